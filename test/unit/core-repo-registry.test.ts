import { describe, expect, it } from "vitest";
import {
  addRegistered,
  emptyRegistry,
  nameFromRelativePath,
  parseRegistry,
  removeRegistered,
  serializeRegistry,
  type RegisteredRepo,
} from "../../core/repos/repo-registry.ts";
import type { RepoName } from "../../core/types.ts";

const entry = (name: string, git_dir: string): RegisteredRepo => ({
  name: name as RepoName,
  git_dir,
  hook: `${git_dir}/hooks/post-receive`,
  previous: null,
  owner_uid: 1000,
  added_at: "2026-12-01T10:00:00.000Z",
});

describe("repo registry", () => {
  it("round-trips through its file text, sorted by name", () => {
    const one = addRegistered(emptyRegistry(), entry("zeta.git", "/srv/git/zeta.git"));
    const two = one.ok ? addRegistered(one.value, entry("team/app.git", "/srv/git/team/app.git")) : one;
    expect(two.ok).toBe(true);
    if (!two.ok) return;
    const text = serializeRegistry(two.value);
    const back = parseRegistry(text);
    expect(back).toEqual({ ok: true, value: { version: 1, repos: [two.value.repos[1], two.value.repos[0]] } });
  });

  it("refuses a second registration of a name or of a path", () => {
    const base = addRegistered(emptyRegistry(), entry("a.git", "/srv/a.git"));
    if (!base.ok) throw new Error("setup");
    expect(addRegistered(base.value, entry("a.git", "/srv/other.git"))).toMatchObject({ ok: false, error: { code: "name_taken" } });
    expect(addRegistered(base.value, entry("b.git", "/srv/a.git"))).toMatchObject({ ok: false, error: { code: "path_taken" } });
    expect(removeRegistered(base.value, "b.git")).toMatchObject({ ok: false, error: { code: "unknown_repo" } });
    expect(removeRegistered(base.value, "a.git")).toEqual({ ok: true, value: emptyRegistry() });
  });

  it.each([
    ["not json", "{"],
    ["a bad name", JSON.stringify({ version: 1, repos: [{ ...entry("a.git", "/srv/a.git"), name: "../a.git" }] })],
    ["a relative path", JSON.stringify({ version: 1, repos: [entry("a.git", "srv/a.git")] })],
    ["another version", JSON.stringify({ version: 2, repos: [] })],
  ])("refuses a file with %s", (_, text) => {
    expect(parseRegistry(text)).toMatchObject({ ok: false, error: { code: "registry_invalid" } });
  });

  it.each([
    ["foo.git", "foo.git"],
    ["foo", "foo.git"],
    ["team/app", "team/app.git"],
    ["team/app.git", "team/app.git"],
  ])("names %s as %s", (relative, name) => {
    expect(nameFromRelativePath(relative)).toEqual({ ok: true, value: name });
  });

  it("refuses deeper nesting with a hint to use --name", () => {
    const named = nameFromRelativePath("a/b/c.git");
    expect(named.ok ? "" : named.error.message).toMatch(/one level of grouping.*--name/);
  });
});
