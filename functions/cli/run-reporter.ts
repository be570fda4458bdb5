import type { RunEvent } from "../../core/pipeline/run-events.ts";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Turns run events into the terminal view of `quire ci run`: a status line per job, output indented. */
export function terminalReporter(write: (line: string) => void): (event: RunEvent) => void {
  return (event) => {
    switch (event.type) {
      case "job-started":
        return write(`▶ ${event.job}`);
      case "sh-started":
        return write(`  $ ${event.cmd}`);
      case "output":
        return write(`  ${event.stream === "stderr" ? "!" : "│"} ${event.line}`);
      case "log":
        return write(`  · ${event.message}`);
      case "job-finished":
        if (event.status === "succeeded") return write(`✓ ${event.job} (${seconds(event.duration_ms)})`);
        if (event.status === "cancelled") return write(`■ ${event.job} cancelled (${seconds(event.duration_ms)})`);
        if (event.status === "failed") return write(`✗ ${event.job} (${seconds(event.duration_ms)}): ${event.error ?? "failed"}`);
        return write(`- ${event.job} skipped${event.error ? `: ${event.error}` : ""}`);
      case "run-started":
      case "run-finished":
        return;
    }
  };
}
