/**
 * The shell that runs inside a run's container around each command, the same whether the
 * exec goes through the engine API or the docker CLI.
 */

/**
 * Where each command leaves its process group id: the shm tmpfs docker mounts in every
 * container (mode 1777, so any image user can write). A tmpfs of our own would cost some
 * 80 ms more on every teardown.
 */
export const PID_DIR = "/dev/shm";

/**
 * Runs inside the container in front of the command. docker exec (runc) starts it as a
 * session and group leader, so `$$` names the command's whole process group. It writes
 * that id, then checks for a cancel marker: a cancel that came before the id was written
 * is seen here, one that came after finds the id, so no kill is ever lost.
 */
export const WRAPPER = 'f="$1"; shift; echo $$ >"$f"; [ -e "$f.cancel" ] && exit 137; exec "$@"';

/** Where the output multiplexer (exec-mux.c) is mounted in a run's container, when there is one. */
export const MUX_PATH = "/.quire-exec-mux";

/**
 * WRAPPER, and with `muxed` the command runs under the multiplexer, which keeps the order of
 * stdout and stderr as they were written (it stays in the process group that a kill ends).
 */
export const wrapper = (muxed: boolean): string => (muxed ? WRAPPER.replace('exec "$@"', `exec ${MUX_PATH} "$@"`) : WRAPPER);

/**
 * The CLI's variant: the job's environment arrives on stdin as `export` lines and is
 * evaluated first, so it never travels in argv and never reaches the docker client's own
 * environment, where names like HOME or DOCKER_CONFIG would steer the client.
 */
export const wrapperWithEnv = (muxed: boolean): string => `eval "$(cat)"; ${wrapper(muxed)}`;

/**
 * Kills one command's process group and anything else left in its session (children
 * that made their own group), then sweeps once more for processes forked meanwhile.
 */
export const KILLER = [
  'f="$1"; : >"$f.cancel"; p=$(cat "$f" 2>/dev/null) || exit 0',
  "sweep() { kill -KILL -$p 2>/dev/null; for s in /proc/[0-9]*/stat; do",
  '  l=$(cat "$s" 2>/dev/null) || continue; set -- ${l##*) }',
  '  if [ "$3" = "$p" ] || [ "$4" = "$p" ]; then q="${s#/proc/}"; kill -KILL "${q%/stat}" 2>/dev/null; fi',
  "done; }",
  "sweep; sweep; exit 0",
].join("\n");

/** How long the client side of an exec may linger after its command was killed. */
export const CLIENT_GRACE_MS = 3_000;

export const pidFileOf = (execId: string): string => `${PID_DIR}/.quire-${execId}`;

/** `export NAME='value'` lines for WRAPPER_WITH_ENV; single quotes keep any byte but NUL literal. */
export function envScript(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", `'\\''`)}'\n`)
    .join("");
}
