/**
 * The server's side of a loaded pipeline: starts jobs in the child and relays each job's
 * calls to the PipelineHost it was started with. When the child dies, every pending job
 * fails with the reason, and later jobs fail at once.
 */
import type { JobReturn, JobSpec, PipelineHost, PipelineSession } from "../../core/ports/pipeline-runtime.ts";
import { err, ok, type Result } from "../../core/result.ts";
import type { PipelineChild } from "./pipeline-child.ts";
import type { CallMessage, DoneMessage, ReplyMessage } from "./protocol.ts";

interface PendingJob {
  job: string;
  host: PipelineHost;
  inflight: Set<Promise<void>>;
  resolve(result: JobReturn): void;
  reject(error: unknown): void;
}

export class NodePipelineSession implements PipelineSession {
  readonly jobs: JobSpec[];
  #pending = new Map<number, PendingJob>();
  #nextRun = 1;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly child: PipelineChild,
    jobs: JobSpec[],
  ) {
    this.jobs = jobs;
    child.onMessage((message) => {
      if (message.type === "call") this.#relay(message);
      else if (message.type === "done") void this.#finish(message);
      else void child.kill(`it sent a second "${message.type}" message`);
    });
    child.onDeath((reason) => {
      for (const pending of this.#pending.values()) pending.resolve({ kind: "failed", error: reason });
      this.#pending.clear();
    });
  }

  /** The child's pid, for tests and diagnostics. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  async runJob(id: string, host: PipelineHost): Promise<JobReturn> {
    const gone = this.child.gone ?? (this.#closing === undefined ? undefined : "pipeline session is closed");
    if (gone !== undefined) return { kind: "failed", error: gone };
    if (!this.jobs.some((spec) => spec.id === id)) return { kind: "failed", error: `this pipeline has no job "${id}"` };
    // jobs() is synchronous in the SDK, so every name the pipeline mentions is resolved now;
    // the job's ancestors have finished by the time it starts.
    const names = new Set(this.jobs.flatMap((spec) => [spec.id, ...spec.inputs]));
    const visible: Record<string, Result<Record<string, unknown>, string>> = {};
    for (const name of names) visible[name] = host.jobs(name);
    const run = this.#nextRun++;
    return new Promise<JobReturn>((resolve, reject) => {
      this.#pending.set(run, { job: id, host, inflight: new Set(), resolve, reject });
      this.child.send({ type: "run", run, job: id, visible });
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.child.kill("the pipeline session was closed");
    return this.#closing;
  }

  #relay(message: CallMessage): void {
    const pending = this.#pending.get(message.run);
    if (pending === undefined) {
      this.#reply({ type: "reply", call: message.call, result: err("this job is no longer running") });
      return;
    }
    const task = this.#callHost(pending.host, message).then(
      (result) => this.#reply({ type: "reply", call: message.call, result }),
      (error: unknown) => {
        // The host broke (disk, executor): that is the server's failure, not the job's.
        this.#reply({ type: "reply", call: message.call, result: err("quire could not complete this call") });
        this.#pending.delete(message.run);
        pending.reject(error);
      },
    );
    pending.inflight.add(task);
    void task.finally(() => pending.inflight.delete(task));
  }

  async #callHost(host: PipelineHost, message: CallMessage): Promise<ReplyMessage["result"]> {
    switch (message.method) {
      case "sh":
        return host.sh(message.args);
      case "secret":
        return host.secret(message.args.name);
      case "log":
        await host.log(message.args.message);
        return ok(null);
      case "readFile":
        return host.readFile(message.args.path);
      case "writeFile":
        return host.writeFile(message.args.path, message.args.data);
    }
  }

  /** A job's calls finish before its result counts, so its last log line lands first. */
  async #finish(message: DoneMessage): Promise<void> {
    const pending = this.#pending.get(message.run);
    if (pending === undefined) return;
    await Promise.allSettled([...pending.inflight]);
    if (this.#pending.get(message.run) !== pending) return;
    this.#pending.delete(message.run);
    pending.resolve(message.result);
  }

  #reply(message: ReplyMessage): void {
    this.child.send(message);
  }
}
