import { describe, expect, it } from "vitest";
import { validatePipeline } from "../core/pipeline/validate.ts";

const jobs = (...specs: [string, string[]][]) => specs.map(([id, inputs]) => ({ id, inputs }));

describe("validatePipeline", () => {
  it("orders jobs after their inputs and records ancestors", () => {
    const result = validatePipeline(jobs(["deploy", ["test", "quire/push"]], ["test", ["build"]], ["build", ["quire/push"]]));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.order.map((j) => j.id)).toEqual(["build", "test", "deploy"]);
    expect([...(result.value.ancestors.get("deploy") ?? [])].sort()).toEqual(["build", "test"]);
    expect([...(result.value.ancestors.get("build") ?? [])]).toEqual([]);
  });

  it.each([
    ["empty inputs", jobs(["a", []]), /job "a" has no inputs/],
    ["duplicate ids", jobs(["a", ["quire/push"]], ["a", ["quire/push"]]), /job "a" is defined more than once/],
    ["slash in an id", jobs(["a/b", ["quire/push"]]), /job "a\/b": a job id cannot contain "\/"/],
    ["unknown input", jobs(["a", ["nope"]]), /job "a" has unknown input "nope"/],
    ["no jobs at all", [], /defines no jobs/],
  ])("fails closed on %s, naming the job", (_name, spec, message) => {
    const result = validatePipeline(spec);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.join("\n")).toMatch(message);
  });

  it("names every member of a cycle and not the jobs merely behind it", () => {
    const result = validatePipeline(jobs(["start", ["quire/push"]], ["a", ["c", "start"]], ["b", ["a"]], ["c", ["b"]], ["after", ["c"]]));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const message = result.error.join("\n");
    expect(message).toMatch(/cycle/);
    for (const member of ['"a"', '"b"', '"c"']) expect(message).toContain(member);
    expect(message).not.toContain('"after"');
  });

  it("rejects an island of jobs that no source reaches", () => {
    const result = validatePipeline(jobs(["a", ["quire/push"]], ["x", ["y"]], ["y", ["x"]]));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.join("\n")).toMatch(/"x".*"y"|"y".*"x"/);
  });
});
