import { beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FakeIds } from "../../adapters/ids/fake-ids.ts";
import { QuireError } from "../../core/errors.ts";
import type { LogOptions, RunFiles } from "../../core/ports/run-files.ts";
import type { RunStore } from "../../core/ports/storage.ts";
import { createRedactor } from "../../core/logs/redact.ts";
import type { RepoName } from "../../core/types.ts";
import { createPendingRun } from "../support/run-fixtures.ts";

export interface RunFilesFixture {
  files: RunFiles;
  /** The store whose runs `files` works in. */
  store: RunStore;
  clock: FakeClock;
}

const REPO = "group/demo.git" as RepoName;
const logOptions: LogOptions = {
  redactor: createRedactor([{ name: "token", value: "sekrit-123" }]),
  capBytes: 1 << 20,
  captureBytes: 1 << 16,
};
const utf8 = (text: string) => new TextEncoder().encode(text);

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(QuireError);
  expect((error as QuireError).code).toBe(code);
}

/** One suite for every RunFiles adapter: they must not differ in anything a caller sees. */
export function runFilesContract(name: string, make: () => Promise<RunFilesFixture>): void {
  describe(`RunFiles contract: ${name}`, () => {
    let fx: RunFilesFixture;
    let runId: string;

    beforeEach(async () => {
      fx = await make();
      runId = (await createPendingRun(fx.store, { repo: REPO, pushedAt: "2026-11-21T10:00:00Z", ids: new FakeIds(), clock: fx.clock })).meta.run_id;
    });

    it("writes, overwrites and reads files, creating folders as needed", async () => {
      await fx.files.writeFile(REPO, runId, "jobs/test/receipt.json", '{"a":1}');
      await fx.files.writeFile(REPO, runId, "receipt.json", "first");
      await fx.files.writeFile(REPO, runId, "receipt.json", "second");
      expect(await fx.files.readFile(REPO, runId, "jobs/test/receipt.json")).toBe('{"a":1}');
      expect(await fx.files.readFile(REPO, runId, "receipt.json")).toBe("second");
      const listed = await fx.files.listFiles(REPO, runId);
      expect(listed).toEqual(expect.arrayContaining(["jobs/test/receipt.json", "receipt.json"]));
      expect(listed).toEqual([...listed].sort());
      expect(listed.every((path) => !path.split("/").some((segment) => segment.startsWith(".")))).toBe(true);
    });

    it("reads a file whole only within a byte bound", async () => {
      await fx.files.writeFile(REPO, runId, "receipt.json", "é".repeat(10));
      expect(await fx.files.readBounded(REPO, runId, "receipt.json", 20)).toEqual({ kind: "text", text: "é".repeat(10) });
      expect(await fx.files.readBounded(REPO, runId, "receipt.json", 19)).toEqual({ kind: "too-large", bytes: 20 });
      expect(await fx.files.readBounded(REPO, runId, "nope.json", 19)).toEqual({ kind: "missing" });
      expect(await fx.files.readBounded(REPO, "0190a000-0000-7000-8000-00000000ffff", "receipt.json", 19)).toEqual({ kind: "missing" });
    });

    it("answers undefined and [] for missing files and runs", async () => {
      expect(await fx.files.readFile(REPO, runId, "nope.json")).toBeUndefined();
      expect(await fx.files.readFile(REPO, "0190a000-0000-7000-8000-00000000ffff", "receipt.json")).toBeUndefined();
      expect(await fx.files.listFiles(REPO, "0190a000-0000-7000-8000-00000000ffff")).toEqual([]);
      await rejectsWith(fx.files.writeFile(REPO, "0190a000-0000-7000-8000-00000000ffff", "x.json", "{}"), "run_not_found");
    });

    it("follows the run when its state changes", async () => {
      await fx.files.writeFile(REPO, runId, "receipt.json", "before");
      const run = await fx.store.getRun(REPO, runId);
      if (!run) throw new Error("run vanished");
      const moved = await fx.store.moveRun(REPO, runId, "pending", { ...run.state, status: "active", started_at: fx.clock.now() });
      expect(moved.kind).toBe("moved");
      expect(await fx.files.readFile(REPO, runId, "receipt.json")).toBe("before");
      await fx.files.writeFile(REPO, runId, "container.yml", "image_tag: x\n");
      expect(await fx.files.listFiles(REPO, runId)).toEqual(expect.arrayContaining(["container.yml", "receipt.json"]));
    });

    it("keeps one redacted CRI log per sh call, also across a state change", async () => {
      const writer = await fx.files.openLog(REPO, runId, "test", 1, logOptions);
      await writer.write("stdout", utf8("hello sekrit-"));
      const run = await fx.store.getRun(REPO, runId);
      if (!run) throw new Error("run vanished");
      await fx.store.moveRun(REPO, runId, "pending", { ...run.state, status: "active" });
      await writer.write("stdout", utf8("123 world\n"));
      await writer.note("finished");
      const summary = await writer.close();
      expect(summary).toMatchObject({ lines: 1, redactions: 1, stdout: "hello {{ token }} world\n" });
      const t = fx.clock.now();
      expect(await fx.files.readFile(REPO, runId, "jobs/test/sh-1.log")).toBe(
        `${t} stdout F hello {{ token }} world\n${t} stderr F finished\n`,
      );
      expect(await fx.files.listFiles(REPO, runId)).toContain("jobs/test/sh-1.log");
      await rejectsWith(fx.files.openLog(REPO, runId, "test", 1, logOptions), "log_open_failed");
      // The job's next log lands where the run is now, not where its first log was opened.
      const next = await fx.files.openLog(REPO, runId, "test", 2, logOptions);
      await next.write("stdout", utf8("moved along\n"));
      await next.close();
      expect(await fx.files.readFile(REPO, runId, "jobs/test/sh-2.log")).toBe(`${t} stdout F moved along\n`);
    });

    it("refuses paths and ids that could leave the run directory", async () => {
      for (const bad of ["../x.json", "/etc/passwd", "jobs/../../x", "a//b", "", ".hidden", "jobs/.tmp-x", "a\\b", "a\nb"]) {
        await rejectsWith(fx.files.writeFile(REPO, runId, bad, "x"), "invalid_path");
        await rejectsWith(fx.files.readFile(REPO, runId, bad), "invalid_path");
      }
      for (const reserved of ["meta.yml", "state.yml"]) await rejectsWith(fx.files.writeFile(REPO, runId, reserved, "x"), "invalid_path");
      for (const job of ["..", ".", "", "a/b", ".hidden", "x\0"]) await rejectsWith(fx.files.openLog(REPO, runId, job, 1, logOptions), "invalid_path");
      for (const n of [0, -1, 1.5]) await rejectsWith(fx.files.openLog(REPO, runId, "test", n, logOptions), "invalid_path");
      await rejectsWith(fx.files.openLog(REPO, "0190a000-0000-7000-8000-00000000ffff", "test", 1, logOptions), "run_not_found");
    });
  });
}
