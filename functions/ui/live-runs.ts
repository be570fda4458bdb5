import type { RunEvent } from "../../core/pipeline/run-events.ts";

export interface LiveJob {
  status: string;
  error: string | null;
  duration_ms: number | null;
  started_at: string | null;
}

export interface LiveCommand {
  cmd: string;
  started_at: string;
  exit: number | null;
  /** null while running and for a command that exited on its own. */
  reason: string | null;
}

/** What a running run has said so far that its files do not show until it ends. */
export interface LiveRun {
  jobs: Map<string, LiveJob>;
  /** `job/n` → that sh call: its (redacted) command, when it started, its exit once it has ended. */
  commands: Map<string, LiveCommand>;
  messages: Map<string, { at: string; text: string }[]>;
}

export interface LiveRunsView {
  get(runId: string): LiveRun | undefined;
}

const MAX_MESSAGES = 1000;

/**
 * Job states, sh commands and log() messages of the runs executing in this process, from
 * the runner's events. Receipts hold all of it once a run ends, so a run is dropped then.
 */
export class LiveRuns implements LiveRunsView {
  private readonly runs = new Map<string, LiveRun>();

  constructor(private readonly now: () => string = () => new Date().toISOString()) {}

  get(runId: string): LiveRun | undefined {
    return this.runs.get(runId);
  }

  readonly listener = (runId: string, event: RunEvent): void => {
    if (event.type === "run-finished") {
      this.runs.delete(runId);
      return;
    }
    let run = this.runs.get(runId);
    if (!run) this.runs.set(runId, (run = { jobs: new Map(), commands: new Map(), messages: new Map() }));
    switch (event.type) {
      case "job-started":
        run.jobs.set(event.job, { status: "running", error: null, duration_ms: null, started_at: this.now() });
        break;
      case "job-finished": {
        const started = run.jobs.get(event.job)?.started_at ?? null;
        run.jobs.set(event.job, { status: event.status, error: event.error, duration_ms: event.duration_ms, started_at: started });
        break;
      }
      case "sh-started":
        run.commands.set(`${event.job}/${event.n}`, { cmd: event.cmd, started_at: this.now(), exit: null, reason: null });
        break;
      case "sh-finished": {
        const call = run.commands.get(`${event.job}/${event.n}`);
        if (call) Object.assign(call, { exit: event.exit, reason: event.reason === "exited" ? null : event.reason });
        break;
      }
      case "log": {
        const list = run.messages.get(event.job) ?? [];
        if (list.length < MAX_MESSAGES) list.push({ at: this.now(), text: event.message });
        run.messages.set(event.job, list);
        break;
      }
      default:
        break;
    }
  };
}
