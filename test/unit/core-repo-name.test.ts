import { describe, expect, it } from "vitest";
import { parseRepoName } from "../../core/names/repo-name.ts";

describe("parseRepoName", () => {
  it.each(["foo.git", "group/foo.git", "a.b-c_d.git", "Work_1/foo-bar.git", "f.git"])("accepts %j", (name) => {
    expect(parseRepoName(name)).toEqual({ ok: true, value: name });
  });

  it.each([
    ["", "empty"],
    ["foo", "must end in '.git'"],
    [".git", "start with '.'"],
    ["foo.git/", "empty segments"],
    ["/abs.git", "relative"],
    ["a/b/c.git", "one level of grouping"],
    ["../x.git", "'..' segments"],
    ["./x.git", "'.' or '..' segments"],
    ["group/../x.git", "one level"],
    ["..", "'..' segments"],
    ["..%2fx.git", "percent-encoding"],
    ["%2e%2e/x.git", "percent-encoding"],
    ["a\\b.git", "backslash"],
    ["..\\x.git", "backslash"],
    ["x\0.git", "NUL"],
    ["a//b.git", "one level of grouping"],
    [".hidden.git", "start with '.'"],
    ["group/.x.git", "start with '.'"],
    ["foo bar.git", "letters, digits"],
    ["foo\n.git", "letters, digits"],
    ["-x.git", "letters, digits"],
    ["g.git/foo.git", "group must not itself end in '.git'"],
    ["x".repeat(300) + ".git", "at most"],
  ])("rejects %j (%s)", (name, rule) => {
    const parsed = parseRepoName(name);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe("invalid_repo");
      expect(parsed.error.message).toContain(rule);
    }
  });

  it.each([undefined, null, 42, ["foo.git"], { name: "foo.git" }])("rejects the non-string %j", (value) => {
    expect(parseRepoName(value)).toMatchObject({ ok: false, error: { code: "invalid_repo", message: expect.stringContaining("string") } });
  });
});
