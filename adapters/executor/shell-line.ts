/**
 * The one line of shell a spawner slot (shell-slot.ts) runs for a command: cd into its cwd,
 * look the program up on the job's PATH, the job's env as prefix assignments, the argv
 * single-quoted, stdin from /dev/null, stdout and stderr into the slot's FIFOs, then the
 * status on fd 3. Everything that depends on the file system happens in the shell, inside
 * the sandbox: the server never looks at a path the job controls.
 */
import { isAbsolute, join } from "node:path";

export interface LineCommand {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

export type LinePlan =
  | { kind: "line"; line: string }
  /** Nothing to run: an empty argv or program name. */
  | { kind: "empty" }
  /** Something no process can be given (a NUL byte): refused, as spawn refuses it. */
  | { kind: "invalid"; message: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Read-only in bash (when /bin/sh is bash): assigning one fails the command line, so they go through env(1). */
const READ_ONLY = new Set(["BASHOPTS", "BASH_VERSINFO", "EUID", "PPID", "SHELLOPTS", "UID"]);
/** Where env(1) is, for an env no prefix assignment can carry. */
const ENV = "/usr/bin/env";

/**
 * The newest pid handed out in the reader's pid namespace (the sandbox's): the last field of
 * /proc/loadavg. Read with sh's own `read`, so it starts no process; empty without /proc.
 * (Not ns_last_pid: `read` takes a byte at a time, and a sysctl file ends after the first.)
 */
const readCounter = (name: string): string => `${name}=; read -r q q q q ${name} </proc/loadavg 2>/dev/null;`;

/** Safe inside single quotes for any string without NUL. */
export const quote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

const hasNul = (value: string): boolean => value.includes("\0");

/**
 * The candidates execvp would try for a program without a slash, in order: an empty PATH
 * entry is the cwd, a relative one is read against the cwd. Each keeps a slash, so the shell
 * runs the file, never a builtin of the same name (`true`, `echo`, `test`).
 */
function candidates(program: string, path: string | undefined): string[] {
  if (path === undefined) return [];
  return path.split(":").map((dir) => {
    const file = join(dir === "" ? "." : dir, program);
    return isAbsolute(file) || file.startsWith("./") ? file : `./${file}`;
  });
}

/** `seq` numbers the command in its slot: its status says it, so a late or forged status for another command reads as nonsense. */
export function planLine(cmd: LineCommand, fifos: { out: string; err: string }, seq: number): LinePlan {
  const [program, ...args] = cmd.argv;
  if (program === undefined || program === "") return { kind: "empty" };
  const env = Object.entries(cmd.env);
  if (cmd.argv.some(hasNul) || hasNul(cmd.cwd) || env.some(([name, value]) => hasNul(name) || hasNul(value))) {
    return { kind: "invalid", message: "an argument, the cwd or the env holds a NUL byte" };
  }
  const plain = env.every(([name]) => NAME.test(name) && !READ_ONLY.has(name));
  const pairs = env.map(([name, value]) => quote(`${name}=${value}`));
  // Prefix assignments when every name is a shell name; else env(1) (one exec more), which
  // cannot tell a program whose path holds `=` from an assignment: `--` does not help there.
  const prefix = plain ? env.map(([name, value]) => `${name}=${quote(value)}`).join(" ") : `${ENV} -i ${pairs.join(" ")}`;
  const tail = args.map(quote).join(" ");
  const run = (word: string) => `${prefix} ${word} ${tail} </dev/null >${quote(fifos.out)} 2>${quote(fifos.err)} 3>&-; set -- $?;`;
  let body: string;
  if (program.includes("/")) {
    if (!plain && program.includes("=")) return { kind: "invalid", message: `cannot pass this env to a program whose path holds "=": ${program}` };
    body = run(quote(program));
  } else {
    const found = candidates(program, cmd.env.PATH).map(quote).join(" ");
    // `[ -f ] && [ -x ]`: a regular file this user may execute, as execvp would take it.
    body =
      `q_x=; for q_x in ${found}; do if [ -f "$q_x" ] && [ -x "$q_x" ]; then break; fi; q_x=; done; ` +
      (plain ? "" : "case $q_x in *=*) q_x=;; esac; ") +
      `if [ -n "$q_x" ]; then ${run('"$q_x"')} else set -- nf; fi;`;
  }
  // `unset PWD OLDPWD`: cd exports them, and the command gets exactly the job's env.
  // `3>&-`: the command gets only stdin, stdout and stderr, as from spawn, and cannot write statuses.
  // The pid counter before and after tells the server whether the command can have left
  // anything running, so most commands need no look for leftovers. `a`, `b`, `q`, `q_x`
  // and `$1` are the shell's own: never exported, the command does not see them.
  return {
    kind: "line",
    line:
      `if cd -P -- ${quote(cmd.cwd)} 2>/dev/null; then unset PWD OLDPWD; ${readCounter("a")} ${body} ` +
      `${readCounter("b")} echo "s ${seq} $1 $a $b" >&3; else echo "s ${seq} cwd" >&3; fi\n`,
  };
}
