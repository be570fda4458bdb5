/**
 * The one line of shell a spawner slot (shell-slot.ts) runs for a command: cd into its cwd,
 * the job's env as prefix assignments, the argv single-quoted, stdin from /dev/null, stdout
 * and stderr into the slot's FIFOs, then the status on fd 3. Only commands the line can say
 * exactly as Node's spawn would run them get one; the rest go through spawn.
 */
import { statSync } from "node:fs";
import { isAbsolute, join } from "node:path";

export interface LineCommand {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

export type LinePlan =
  | { kind: "line"; line: string }
  /** Nothing on the job's PATH has that name: answered at once, as spawn's ENOENT is. */
  | { kind: "not-found"; program: string }
  /** Something the line cannot say faithfully: run it through spawn instead. */
  | { kind: "unsuited" };

/**
 * Names the shell (dash, or bash as /bin/sh) would run itself instead of looking up in
 * PATH: those are given by the path they resolve to, so the program runs, not the builtin.
 */
const SHELL_OWN = new Set(
  (". : [ alias bg break builtin caller cd chdir command compgen complete continue declare dirs disown echo enable eval exec exit " +
    "export false fc fg getopts hash help history jobs kill let local logout mapfile popd printf pushd pwd read readarray readonly " +
    "return set shift shopt source suspend test times trap true type typeset ulimit umask unalias unset wait").split(" "),
);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Read-only in bash: assigning one fails the command line, so they go through spawn. */
const READ_ONLY = new Set(["BASHOPTS", "BASH_VERSINFO", "EUID", "PPID", "SHELLOPTS", "UID"]);

/**
 * The newest pid handed out in the reader's pid namespace (the sandbox's): the last field of
 * /proc/loadavg. Read with sh's own `read`, so it starts no process; empty without /proc.
 * (Not ns_last_pid: `read` takes a byte at a time, and a sysctl file ends after the first.)
 */
const readCounter = (name: string): string => `${name}=; read -r q q q q ${name} </proc/loadavg 2>/dev/null;`;

/** Safe inside single quotes for any string without NUL. */
export const quote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

const hasNul = (value: string): boolean => value.includes("\0");

export function planLine(cmd: LineCommand, fifos: { out: string; err: string }): LinePlan {
  const [program, ...args] = cmd.argv;
  if (program === undefined || program === "" || cmd.argv.some(hasNul) || hasNul(cmd.cwd)) return { kind: "unsuited" };
  const env = Object.entries(cmd.env);
  // Prefix assignments only take shell names; anything else must reach the env through spawn.
  if (env.some(([name, value]) => !NAME.test(name) || READ_ONLY.has(name) || hasNul(value))) return { kind: "unsuited" };
  let word = program;
  if (!program.includes("/")) {
    const dirs = (cmd.env.PATH ?? "").split(":");
    // spawn reads an empty or relative entry against the cwd; the line would not say it the same way.
    if (cmd.env.PATH === undefined || dirs.some((dir) => !isAbsolute(dir))) return { kind: "unsuited" };
    const found = dirs.map((dir) => join(dir, program)).find(isExecutableFile);
    if (found === undefined) return { kind: "not-found", program };
    if (SHELL_OWN.has(program)) word = found;
  }
  const assignments = env.map(([name, value]) => `${name}=${quote(value)}`).join(" ");
  const command = [word, ...args].map(quote).join(" ");
  // `unset PWD OLDPWD`: cd exports them, and the command gets exactly the job's env.
  // `hash -r`: a program put on the PATH since the last command is found, as spawn would.
  // `3>&-`: the command gets only stdin, stdout and stderr, as from spawn, and cannot write statuses.
  // The pid counter before and after tells the slot whether the command can have left
  // anything running, so most commands need no look through /proc. `a`, `b`, `q` and `$1` are the
  // shell's own: never exported, the command does not see them.
  return {
    kind: "line",
    line:
      `if cd -P -- ${quote(cmd.cwd)} 2>/dev/null; then unset PWD OLDPWD; hash -r; ${readCounter("a")} ` +
      `${assignments} ${command} </dev/null >${quote(fifos.out)} 2>${quote(fifos.err)} 3>&-; ` +
      `set -- $?; ${readCounter("b")} echo "s $1 $a $b" >&3; ` +
      `else echo "s cwd" >&3; fi\n`,
  };
}

function isExecutableFile(path: string): boolean {
  try {
    const info = statSync(path);
    return info.isFile() && (info.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
