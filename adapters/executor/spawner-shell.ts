/**
 * The spawner: the first process of a host run's sandbox, a plain /bin/sh dropped to the job
 * user, reading lines from the server on its stdin. It knows two functions: `q_slot` starts
 * a slot's shell (shell-slot.ts) in a session of its own on the slot's FIFOs, and `q_kill`
 * signals every live process of a slot's session or group (the command's tree) and answers
 * on its stdout how many it signalled: `k <sid> <count>`, so 0 means the tree is gone. It
 * sees the sandbox's own /proc, so only the run's processes are candidates.
 *
 * It runs as the job user: a job can kill it, stop it, or write into its pipes, and so
 * spoil its own run, nothing more. The server reads its answers as untrusted input, and a
 * spawner that stops answering is taken for a broken sandbox, which is then ended.
 */

/** Written once, before any request. `q_*` names are the spawner's own and never exported. */
export const SPAWNER_SETUP = [
  // Not exported (it came from no environment): slots and their commands never see it.
  "PATH=/usr/bin:/bin",
  // A subshell per slot waits for it and reports its end on the slot's status FIFO.
  'q_slot() { ( setsid -w /bin/sh <"$1.in" 3>"$1.st"; echo "x $?" >"$1.st" ) >/dev/null 2>&1 & }',
  "q_kill() {",
  '  kill "-$2" -- "-$1" 2>/dev/null; q_n=0',
  "  for q_f in /proc/[0-9]*; do",
  "    q_st=; q_g=; q_s=",
  '    { while read -r q_k q_v q_r; do case $q_k in State:) q_st=$q_v;; NSpgid:) q_g=$q_v;; NSsid:) q_s=$q_v; break;; esac; done; } <"$q_f/status" 2>/dev/null',
  "    case $q_st in Z|X|'') continue;; esac",
  '    if [ "$q_g" = "$1" ] || [ "$q_s" = "$1" ]; then kill "-$2" "${q_f#/proc/}" 2>/dev/null && q_n=$((q_n + 1)); fi',
  "  done",
  '  echo "k $1 $q_n"',
  "}",
  "",
].join("\n");

export type KillSignal = "TERM" | "KILL" | "0";

/** The spawner's line asking for a slot on the FIFOs at `prefix` (`<prefix>.in` …). */
export const slotRequest = (prefix: string): string => `q_slot ${prefix}\n`;

/** The spawner's line signalling a session's tree (`0`: only count it). */
export const killRequest = (sid: number, signal: KillSignal): string => `q_kill ${sid} ${signal}\n`;

const ANSWER = /^k (\d{1,10}) (\d{1,10})$/;

/** A well-formed answer, or undefined for anything else. */
export function parseAnswer(line: string): { sid: number; count: number } | undefined {
  const match = ANSWER.exec(line);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { sid: Number(match[1]), count: Number(match[2]) };
}
