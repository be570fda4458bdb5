import { describe, expect, it } from "vitest";
import { isDeletion, parsePushEvent, refParts, ZERO_SHA } from "../../core/intake/push-event.ts";

const A = "a".repeat(40);
const B = "0123456789abcdef0123456789abcdef01234567";

const valid = () => ({
  type: "push",
  repo: "work/foo.git",
  pushed_at: "2026-11-21T10:00:00Z",
  refs: [{ ref: "refs/heads/main", old_sha: ZERO_SHA, new_sha: B }],
});

describe("parsePushEvent", () => {
  it("accepts the event the hook sends (docs/architecture.md)", () => {
    expect(parsePushEvent(valid())).toEqual({ ok: true, value: valid() });
  });

  it("accepts offsets and fractional seconds, several refs and deletions", () => {
    const event = {
      ...valid(),
      pushed_at: "2026-11-21T11:00:00.123+01:00",
      refs: [
        { ref: "refs/heads/main", old_sha: A, new_sha: B },
        { ref: "refs/tags/v1.0", old_sha: ZERO_SHA, new_sha: A },
        { ref: "refs/heads/old", old_sha: A, new_sha: ZERO_SHA },
      ],
    };
    expect(parsePushEvent(event)).toMatchObject({ ok: true, value: { refs: event.refs } });
  });

  it("drops unknown fields instead of carrying them along", () => {
    const parsed = parsePushEvent({ ...valid(), extra: "x" });
    expect(parsed.ok && Object.keys(parsed.value).sort()).toEqual(["pushed_at", "refs", "repo", "type"]);
  });

  const bad: [string, unknown, string][] = [
    ["null body", null, "body"],
    ["an array", [valid()], "body"],
    ["a string", "push", "body"],
    ["missing type", { ...valid(), type: undefined }, "type"],
    ["another type", { ...valid(), type: "tag" }, "type"],
    ["missing repo", { ...valid(), repo: undefined }, "repo"],
    ["repo as number", { ...valid(), repo: 7 }, "repo"],
    ["missing pushed_at", { ...valid(), pushed_at: undefined }, "pushed_at"],
    ["pushed_at not a date", { ...valid(), pushed_at: "yesterday" }, "pushed_at"],
    ["pushed_at as number", { ...valid(), pushed_at: 1763719200 }, "pushed_at"],
    ["missing refs", { ...valid(), refs: undefined }, "refs"],
    ["empty refs", { ...valid(), refs: [] }, "refs"],
    ["refs as object", { ...valid(), refs: { ref: "refs/heads/main" } }, "refs"],
    ["too many refs", { ...valid(), refs: Array.from({ length: 1001 }, () => valid().refs[0]) }, "refs"],
    ["short sha", { ...valid(), refs: [{ ref: "refs/heads/main", old_sha: ZERO_SHA, new_sha: "abc123" }] }, "refs.0.new_sha"],
    ["uppercase sha", { ...valid(), refs: [{ ref: "refs/heads/main", old_sha: ZERO_SHA, new_sha: B.toUpperCase() }] }, "refs.0.new_sha"],
    ["non-hex sha", { ...valid(), refs: [{ ref: "refs/heads/main", old_sha: "g".repeat(40), new_sha: B }] }, "refs.0.old_sha"],
    ["sha with a revision suffix", { ...valid(), refs: [{ ref: "refs/heads/main", old_sha: ZERO_SHA, new_sha: `${A}^` }] }, "refs.0.new_sha"],
    ["missing sha", { ...valid(), refs: [{ ref: "refs/heads/main", old_sha: ZERO_SHA }] }, "refs.0.new_sha"],
    ["ref outside refs/", { ...valid(), refs: [{ ref: "main", old_sha: ZERO_SHA, new_sha: B }] }, "refs.0.ref"],
    ["ref with ..", { ...valid(), refs: [{ ref: "refs/heads/../x", old_sha: ZERO_SHA, new_sha: B }] }, "refs.0.ref"],
    ["ref with a space", { ...valid(), refs: [{ ref: "refs/heads/a b", old_sha: ZERO_SHA, new_sha: B }] }, "refs.0.ref"],
    ["ref with NUL", { ...valid(), refs: [{ ref: "refs/heads/a\0", old_sha: ZERO_SHA, new_sha: B }] }, "refs.0.ref"],
    ["ref as number", { ...valid(), refs: [{ ref: 1, old_sha: ZERO_SHA, new_sha: B }] }, "refs.0.ref"],
  ];

  it.each(bad)("rejects %s as invalid_event naming %j", (_, body, where) => {
    const parsed = parsePushEvent(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe("invalid_event");
      expect(parsed.error.message.startsWith(`${where}:`)).toBe(true);
    }
  });

  it.each(["../x.git", "a/b/c.git", "foo", "/abs.git", "..%2fx.git", "a\\b.git", "x\0.git"])(
    "rejects the hostile repo %j as invalid_repo",
    (repo) => {
      expect(parsePushEvent({ ...valid(), repo })).toMatchObject({ ok: false, error: { code: "invalid_repo" } });
    },
  );
});

describe("refs", () => {
  it("knows a deletion by its zero sha", () => {
    expect(isDeletion(ZERO_SHA)).toBe(true);
    expect(isDeletion(A)).toBe(false);
  });

  it("splits branches and tags", () => {
    expect(refParts("refs/heads/feature/x")).toEqual({ branch: "feature/x", tag: null });
    expect(refParts("refs/tags/v1")).toEqual({ branch: null, tag: "v1" });
    expect(refParts("refs/notes/commits")).toEqual({ branch: null, tag: null });
  });
});
