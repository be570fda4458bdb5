import { describe, expect, it } from "vitest";
import type { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import type { LogOptions, LogReader, RunFiles } from "../../core/ports/run-files.ts";
import type { RunStore } from "../../core/ports/storage.ts";
import { createRedactor } from "../../core/logs/redact.ts";
import type { RepoName } from "../../core/types.ts";
import { createPendingRun } from "../support/run-fixtures.ts";

export interface LogsFixture {
  files: RunFiles;
  store: RunStore;
  clock: FakeClock;
  cleanup(): Promise<void>;
}

const REPO = "group/demo.git" as RepoName;
const utf8 = (text: string) => new TextEncoder().encode(text);
const options = (capBytes = 1 << 20): LogOptions => ({
  redactor: createRedactor([{ name: "token", value: "sekrit-123" }]),
  capBytes,
  captureBytes: 1 << 16,
});

async function withRun<T>(make: () => Promise<LogsFixture>, body: (fx: LogsFixture, runId: string) => Promise<T>): Promise<T> {
  const fx = await make();
  try {
    const run = await createPendingRun(fx.store, { repo: REPO, pushedAt: "2026-11-21T10:00:00Z", ids: new FakeIds(), clock: fx.clock });
    return await body(fx, run.meta.run_id);
  } finally {
    await fx.cleanup();
  }
}

/** Every LogWriter (one per RunFiles.openLog): CRI lines per stream, redaction across chunks, the cap said in the log. */
export function logWriterContract(name: string, make: () => Promise<LogsFixture>): void {
  describe(`LogWriter contract: ${name}`, () => {
    it("writes one CRI line per output line, per stream, redacted also across chunks, and sums it up", () =>
      withRun(make, async (fx, runId) => {
        const writer = await fx.files.openLog(REPO, runId, "build", 1, options());
        await writer.write("stdout", utf8("one\ntwo sek"));
        await writer.write("stderr", utf8("warn\n"));
        await writer.write("stdout", utf8("rit-123\n"));
        const summary = await writer.close();
        expect(summary).toMatchObject({ lines: 3, redactions: 1, capped: false, truncated: false, stdout: "one\ntwo {{ token }}\n", stderr: "warn\n" });
        expect(summary.bytes).toBeGreaterThan(0);
        const t = fx.clock.now();
        expect(await fx.files.readFile(REPO, runId, "jobs/build/sh-1.log")).toBe(
          `${t} stdout F one\n${t} stderr F warn\n${t} stdout F two {{ token }}\n`,
        );
      }));

    it("stops keeping output at the cap and says so in the log", () =>
      withRun(make, async (fx, runId) => {
        const writer = await fx.files.openLog(REPO, runId, "build", 1, options(64));
        for (let i = 0; i < 20; i++) await writer.write("stdout", utf8(`line number ${i} of output\n`));
        const summary = await writer.close();
        expect(summary.capped).toBe(true);
        const text = (await fx.files.readFile(REPO, runId, "jobs/build/sh-1.log")) ?? "";
        expect(text).toContain("line number 0 of output");
        expect(text).not.toContain("line number 19 of output");
        expect(text).toMatch(/stderr F .*cap/);
      }));
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

/** Every LogReader: a log from any byte offset, as the SSE tail and the download read it. */
export function logReaderContract(name: string, make: () => Promise<LogsFixture & { reader: LogReader }>): void {
  describe(`LogReader contract: ${name}`, () => {
    it("streams a log from the start and from an offset, and reports its size", () =>
      withRun(make, async (fx, runId) => {
        const reader = (fx as LogsFixture & { reader: LogReader }).reader;
        const writer = await fx.files.openLog(REPO, runId, "build", 1, options());
        await writer.write("stdout", utf8("first\nsecond\n"));
        await writer.close();
        const whole = (await fx.files.readFile(REPO, runId, "jobs/build/sh-1.log")) ?? "";
        const size = Buffer.byteLength(whole);
        const all = await reader.open(REPO, runId, "jobs/build/sh-1.log", 0);
        expect(all?.size).toBe(size);
        expect(all && (await readAll(all.stream))).toBe(whole);
        const offset = whole.indexOf("\n") + 1;
        const rest = await reader.open(REPO, runId, "jobs/build/sh-1.log", offset);
        expect(rest && (await readAll(rest.stream))).toBe(whole.slice(offset));
        const past = await reader.open(REPO, runId, "jobs/build/sh-1.log", size + 100);
        expect(past?.size).toBe(size);
        expect(past && (await readAll(past.stream))).toBe("");
      }));

    it("answers undefined for a log or a run that does not exist", () =>
      withRun(make, async (fx, runId) => {
        const reader = (fx as LogsFixture & { reader: LogReader }).reader;
        expect(await reader.open(REPO, runId, "jobs/build/sh-9.log", 0)).toBeUndefined();
        expect(await reader.open(REPO, "0190a000-0000-7000-8000-00000000ffff", "jobs/build/sh-1.log", 0)).toBeUndefined();
      }));
  });
}
