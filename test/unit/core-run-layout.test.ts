import { describe, expect, it } from "vitest";
import { logSegments } from "../../adapters/logs/run-paths.ts";
import { isJobId, jobReceiptPath, logPath, parseRunFile, RUN_ID_PATTERN } from "../../core/run/run-layout.ts";

describe("run layout", () => {
  it("names a log and a job receipt, and reads them back from a listing", () => {
    expect(logPath("build", 3)).toBe("jobs/build/sh-3.log");
    expect(jobReceiptPath("build")).toBe("jobs/build/receipt.json");
    expect(parseRunFile(logPath("build", 3))).toEqual({ kind: "log", job: "build", n: 3 });
    expect(parseRunFile(jobReceiptPath("a b"))).toEqual({ kind: "job-receipt", job: "a b" });
  });

  it("calls anything else of a run 'other', including paths no valid job could have written", () => {
    for (const path of ["receipt.json", "meta.yml", "container.yml", "jobs/build", "jobs/build/sh-x.log", "jobs/build/out.txt", "jobs/.hidden/sh-1.log", "jobs/a/b/sh-1.log", "jobs//sh-1.log"]) {
      expect(parseRunFile(path), path).toEqual({ kind: "other" });
    }
  });

  it("is what storage writes: the log segments are the log path", () => {
    expect(logSegments("test", 2).join("/")).toBe(logPath("test", 2));
    expect(isJobId("test")).toBe(true);
    expect(isJobId("quire/push")).toBe(false);
  });

  it("accepts lower-case UUIDs as run ids and nothing else", () => {
    expect(RUN_ID_PATTERN.test("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")).toBe(true);
    expect(RUN_ID_PATTERN.test("0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B")).toBe(false);
    expect(RUN_ID_PATTERN.test("../etc")).toBe(false);
  });
});
