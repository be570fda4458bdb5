import type { OutputSink, StreamName } from "../ports/exec.ts";
import type { Redactor } from "../ports/run-files.ts";

/**
 * Passes output on to `inner` and also hands complete, redacted lines to `onLine`,
 * so a terminal can follow a job live without ever seeing a secret.
 */
export function echoLines(inner: OutputSink, redactor: Redactor, onLine: (stream: StreamName, line: string) => void) {
  const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const pending: Record<StreamName, string> = { stdout: "", stderr: "" };
  const sink: OutputSink = {
    async write(stream, chunk) {
      await inner.write(stream, chunk);
      const lines = (pending[stream] + decoder[stream].decode(chunk, { stream: true })).split("\n");
      pending[stream] = lines.pop() ?? "";
      for (const line of lines) onLine(stream, redactor.redact(line).text);
    },
  };
  const flush = () => {
    for (const stream of ["stdout", "stderr"] as const) {
      if (pending[stream] !== "") onLine(stream, redactor.redact(pending[stream]).text);
      pending[stream] = "";
    }
  };
  return { sink, flush };
}
