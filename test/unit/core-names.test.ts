import { describe, expect, it } from "vitest";
import { checkJobId } from "../../adapters/logs/run-paths.ts";
import { jobIdProblem } from "../../core/run/run-layout.ts";
import { planSh } from "../../core/pipeline/sh-request.ts";
import { validatePipeline } from "../../core/pipeline/validate.ts";
import { parsePushEvent } from "../../core/intake/push-event.ts";
import { checkRefName } from "../../core/names/ref-name.ts";
import { parseRunAlias } from "../../core/index/run-alias.ts";

const push = (ref: string) => ({
  type: "push",
  repo: "demo.git",
  pushed_at: "2026-11-21T10:00:00Z",
  refs: [{ ref, old_sha: "0".repeat(40), new_sha: "1".repeat(40) }],
});

describe("one job-id rule for validation, storage and routes", () => {
  it.each(["..", ".", ".hidden", "a".repeat(201), "tab\there", "new\nline", "rtl\u202Eevil", "a/b", "back\\slash", "", " padded "])(
    "%j fails validation, and storage refuses it too",
    (id) => {
      expect(jobIdProblem(id)).toBeDefined();
      const valid = validatePipeline([{ id, inputs: ["quire/push"] }]);
      expect(valid.ok).toBe(false);
      expect(() => checkJobId(id)).toThrow();
    },
  );

  it.each(["test", "build-linux_x64", "deploy.prod", "ünïcode", "with space", "a".repeat(100)])("%j passes both", (id) => {
    expect(jobIdProblem(id)).toBeUndefined();
    expect(validatePipeline([{ id, inputs: ["quire/push"] }]).ok).toBe(true);
    expect(() => checkJobId(id)).not.toThrow();
  });
});

describe("refs: git's check-ref-format rules plus no control characters", () => {
  const refused = [
    "refs/heads/@{-1}",
    "refs/heads/a.lock",
    "refs/heads/.x",
    "refs/heads/x/",
    "refs/heads/x.",
    "refs/heads/a..b",
    "refs/heads/a b",
    "refs/heads/bell\u0007",
    "refs/heads/c1\u0085",
    "refs/heads/rtl\u202Eevil",
    "refs/heads/a//b",
    "refs/heads/what?",
    "refs/heads/star*",
    "refs/heads/tilde~1",
    "refs/heads/caret^",
    "refs/heads/colon:x",
    "refs/heads/br[acket",
    "refs/heads/back\\slash",
    "@",
    "main",
  ];
  it.each(refused)("intake refuses %j before anything is written", (ref) => {
    const parsed = parsePushEvent(push(ref));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toMatch(/refs\.0\.ref/);
  });

  const accepted = ["refs/heads/main", "refs/heads/feature/x-1", "refs/tags/v1.2.3", "refs/heads/a@b", "refs/heads/hash#1", "refs/heads/ünï", "refs/merge-requests/7/head", `refs/heads/${"x".repeat(1000)}`];
  it.each(accepted)("%j passes intake and can be named as demo.git@<ref>", (ref) => {
    expect(parsePushEvent(push(ref)).ok).toBe(true);
    const alias = parseRunAlias(`demo.git@${ref}`);
    expect(alias.ok).toBe(true);
    if (alias.ok && alias.value.kind === "ref") expect(alias.value.refs).toContain(ref);
    const short = ref.replace(/^refs\/(heads|tags)\//, "");
    if (short !== ref) expect(parseRunAlias(`demo.git@${short}`).ok).toBe(true);
  });

  it("says which rule a ref breaks", () => {
    expect(checkRefName("refs/heads/a.lock")).toMatch(/\.lock/);
    expect(checkRefName("refs/heads/rtl\u202Eevil")).toMatch(/invisible|control/);
  });
});

describe("sh timeouts", () => {
  const limits = { maxTimeoutMs: 60 * 60_000 };
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 3_000_000_000, 60 * 60_000 + 1])("refuses %s as a TypeError", (timeout) => {
    const plan = planSh({ cmd: "true", timeout }, limits);
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.error).toMatch(/^TypeError: sh: timeout must be a whole number of milliseconds from 1 to the run's timeout \(3600000\)/);
  });

  it.each([1, 1000, 60 * 60_000])("takes %s", (timeout) => {
    const plan = planSh({ cmd: "true", timeout }, limits);
    expect(plan.ok && plan.value.timeoutMs).toBe(timeout);
  });
});
