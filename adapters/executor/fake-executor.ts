import type { ExecRequest, ExecResult, ExecSession, Executor, OutputSink } from "../../core/ports/exec.ts";
import { ContainerError } from "../../core/errors.ts";
import { ok } from "../../core/result.ts";

const encoder = new TextEncoder();

/**
 * An executor that runs nothing: it understands a handful of commands (echo, true,
 * false, mkdir, env, pwd, sleep, `sh -ec "exit N"`, `sh -ec "echo …"`) well enough to pass the
 * executor contract, so core tests run in microseconds.
 */
export class FakeExecutor implements Executor {
  readonly kind = "fake";
  readonly commands: string[][] = [];
  openSessions = 0;

  /** `dies` names a program whose exec throws, as a container dying under a command does. */
  constructor(private readonly dies?: string) {}

  async open() {
    this.openSessions += 1;
    const session: ExecSession = {
      exec: (request, sink) => this.exec(request, sink),
      close: async () => {
        this.openSessions = Math.max(0, this.openSessions - 1);
      },
    };
    return ok(session);
  }

  private async exec(request: ExecRequest, sink: OutputSink): Promise<ExecResult> {
    this.commands.push(request.argv);
    const [program, ...args] = request.argv;
    if (program !== undefined && program === this.dies) throw new ContainerError("container_died", "container stopped while a command ran");
    const out = (text: string) => sink.write("stdout", encoder.encode(text));
    if (program === "sh" && (args[0] === "-c" || args[0] === "-ec")) return this.shell(args[1] ?? "", request, sink);
    switch (program) {
      case "true":
      case "mkdir":
        return done(0);
      case "false":
        return done(1);
      case "echo":
        await out(args.join(" ") + "\n");
        return done(0);
      case "env":
        await out(Object.entries(request.env).map(([k, v]) => `${k}=${v}\n`).join(""));
        return done(0);
      case "pwd":
        await out(`/work${request.cwd === "." ? "" : `/${request.cwd}`}\n`);
        return done(0);
      case "sleep":
        return sleep(Number(args[0]) * 1000, request);
      default:
        await sink.write("stderr", encoder.encode(`${program}: not found\n`));
        return done(127);
    }
  }

  private async shell(script: string, request: ExecRequest, sink: OutputSink): Promise<ExecResult> {
    const exit = /^exit (\d+)$/.exec(script.trim());
    if (exit) return done(Number(exit[1]));
    const echo = /^echo (.*?)( >&2)?$/.exec(script.trim());
    if (echo) {
      await sink.write(echo[2] ? "stderr" : "stdout", encoder.encode(`${echo[1] ?? ""}\n`));
      return done(0);
    }
    const sleeping = /^sleep (\d+(?:\.\d+)?)$/.exec(script.trim());
    if (sleeping) return sleep(Number(sleeping[1]) * 1000, request);
    return this.exec({ ...request, argv: script.trim().split(/\s+/) }, sink);
  }
}

const done = (exit: number): ExecResult => ({ exit, duration_ms: 0, reason: "exited" });

function sleep(ms: number, request: ExecRequest): Promise<ExecResult> {
  return new Promise((resolve) => {
    if (request.signal.aborted) return resolve({ exit: 137, duration_ms: 0, reason: "cancelled" });
    const limit = request.timeoutMs ?? Infinity;
    const timer = setTimeout(
      () => resolve(limit < ms ? { exit: 137, duration_ms: limit, reason: "timed-out" } : done(0)),
      Math.min(ms, limit),
    );
    request.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve({ exit: 137, duration_ms: 0, reason: "cancelled" });
    });
  });
}
