import type { JobStatus } from "./execute.ts";

/** Progress of a run as it happens, for terminals (quire ci run) and live views. */
export type RunEvent =
  | { type: "run-started"; run_id: string }
  | { type: "job-started"; job: string }
  | { type: "job-finished"; job: string; status: JobStatus; error: string | null; duration_ms: number }
  | { type: "sh-started"; job: string; n: number; cmd: string }
  | { type: "sh-finished"; job: string; n: number; exit: number; reason: "exited" | "timed-out" | "cancelled" }
  | { type: "output"; job: string; stream: "stdout" | "stderr"; line: string }
  | { type: "log"; job: string; message: string }
  | { type: "run-finished"; run_id: string; outcome: string; error: string | null };

export type RunEventListener = (event: RunEvent) => void;
