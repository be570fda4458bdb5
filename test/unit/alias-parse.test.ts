import { describe, expect, it } from "vitest";
import { parseRunAlias } from "../../core/index/run-alias.ts";

const ID = "0190a000-0000-7000-8000-00000000002a";
const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("parseRunAlias", () => {
  it.each([
    [ID, { kind: "id", id: ID }],
    ["demo.git#42", { kind: "number", repo: "demo.git", number: 42 }],
    ["work/demo.git#1", { kind: "number", repo: "work/demo.git", number: 1 }],
    [SHA, { kind: "sha", prefix: SHA }],
    ["0123456", { kind: "sha", prefix: "0123456" }],
    ["ABCDEF0123", { kind: "sha", prefix: "abcdef0123" }],
    ["demo.git@main", { kind: "ref", repo: "demo.git", ref: "main", refs: ["refs/heads/main", "refs/tags/main"] }],
    ["demo.git@refs/heads/main", { kind: "ref", repo: "demo.git", ref: "refs/heads/main", refs: ["refs/heads/main"] }],
    ["work/demo.git@feature/x-1", { kind: "ref", repo: "work/demo.git", ref: "feature/x-1", refs: ["refs/heads/feature/x-1", "refs/tags/feature/x-1"] }],
    ["demo.git@v1.2.3", { kind: "ref", repo: "demo.git", ref: "v1.2.3", refs: ["refs/heads/v1.2.3", "refs/tags/v1.2.3"] }],
  ])("%s", (input, expected) => {
    expect(parseRunAlias(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ["", "empty"],
    ["012345", "six hex digits are too short for a sha"],
    ["0123456789abcdef0123456789abcdef012345678", "41 hex digits"],
    ["g123456", "not hex"],
    ["demo", "no repo, no alias"],
    ["demo.git", "a repo alone"],
    ["demo.git#", "no number"],
    ["demo.git#0", "numbers start at 1"],
    ["demo.git#01", "leading zero"],
    ["demo.git#-1", "negative"],
    ["demo.git#1.5", "fraction"],
    ["demo.git#99999999999999999", "beyond a safe integer"],
    ["demo#1", "repo without .git"],
    ["../x.git#1", "traversal in the repo"],
    ["a/b/c.git#1", "two levels of grouping"],
    ["/abs.git#1", "absolute repo"],
    ["demo.git@", "empty ref"],
    ["demo.git@../main", "'..' in the ref"],
    ["demo.git@main..x", "'..' in the ref"],
    ["demo.git@ma in", "space in the ref"],
    ["demo.git@main~1", "revision syntax"],
    ["demo.git@main^", "revision syntax"],
    ["demo.git@x:y", "colon"],
    ["demo.git@refs/heads/", "trailing slash"],
    ["demo.git@a//b", "empty component"],
    ["demo.git@.hidden", "component starting with a dot"],
    ["demo.git@x.lock", "component ending in .lock"],
    ["demo.git@main@{1}", "reflog syntax"],
    ["demo.git@a\u0000b", "NUL"],
    ["demo.git@a\\b", "backslash"],
    ["0190a000-0000-7000-8000-00000000002", "short run id"],
    ["0190A000-0000-7000-8000-00000000002A", "upper-case run id"],
    ["x".repeat(600), "too long"],
  ])("%j is invalid (%s)", (input) => {
    const parsed = parseRunAlias(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe("invalid_run_ref");
      expect(parsed.error.message.length).toBeGreaterThan(0);
    }
  });
});
