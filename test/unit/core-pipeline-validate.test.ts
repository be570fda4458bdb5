import { describe, expect, it } from "vitest";
import { validatePipeline } from "../../core/pipeline/validate.ts";

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

describe("validatePipeline reports every problem at once", () => {
  const problems = (spec: { id: string; inputs: string[] }[]): string[] => {
    const result = validatePipeline(spec);
    expect(result.ok).toBe(false);
    return result.ok ? [] : result.error;
  };

  it("names a cycle and an unknown input together", () => {
    const found = problems(jobs(["start", ["quire/push"]], ["a", ["b", "start"]], ["b", ["a"]], ["lint", ["ghost"]]));
    expect(found).toEqual(['job "lint" has unknown input "ghost"', 'jobs form a cycle: "a" → "b"']);
  });

  it("names a bad id, a duplicate, empty inputs, an unknown input, a cycle and an island in one answer", () => {
    const found = problems(
      jobs(["a/b", ["quire/push"]], ["dup", ["quire/push"]], ["dup", ["quire/push"]], ["empty", []], ["x", ["nope"]], ["c1", ["c2"]], ["c2", ["c1"]], ["lone", ["island"]], ["island", ["lone2"]], ["lone2", ["island2"]], ["island2", ["quire/push", "c1"]]),
    );
    expect(found.join("\n")).toMatch(/job "a\/b": a job id cannot contain "\/"/);
    expect(found).toContain('job "dup" is defined more than once');
    expect(found.join("\n")).toMatch(/job "empty" has no inputs/);
    expect(found).toContain('job "x" has unknown input "nope"');
    expect(found.join("\n")).toMatch(/jobs form a cycle: "c1" → "c2"|jobs form a cycle: "c2" → "c1"/);
    expect(found).toHaveLength(5);
  });

  it("does not name again the jobs behind a broken job or behind a cycle", () => {
    const found = problems(jobs(["ok", ["quire/push"]], ["bad", ["ghost"]], ["after-bad", ["bad", "quire/push"]], ["x", ["y"]], ["y", ["x", "ok"]], ["after-cycle", ["y"]]));
    expect(found).toEqual(['job "bad" has unknown input "ghost"', 'jobs form a cycle: "x" → "y"']);
  });
});
