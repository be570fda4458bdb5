import { describe, expect, it } from "vitest";
import { imageTag, repoSegment } from "../../core/names/image-tag.ts";

// Docker's grammar for one repository path component, and for a tag.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

describe("image tags for run images", () => {
  it("names the image quire-ci/<repo-segment>:<run-id>", () => {
    expect(imageTag("foo.git", "0196f1c2-7a3b-7c00-8000-000000000001")).toBe("quire-ci/foo.git:0196f1c2-7a3b-7c00-8000-000000000001");
    expect(imageTag("Work/My_Repo.git", "r1")).toBe("quire-ci/work-my_repo.git:r1");
  });

  it.each([
    ["foo.git", "foo.git"],
    ["group/foo.git", "group-foo.git"],
    ["UPPER/Case.GIT", "upper-case.git"],
    ["a_-b.git", "a-b.git"],
    ["a--b.git", "a--b.git"],
    ["_x.git", "x.git"],
    ["é/ü.git", "git"],
    ["...", "repo"],
    ["", "repo"],
  ])("segment of %j is %j, a valid docker component", (repo, segment) => {
    expect(repoSegment(repo)).toBe(segment);
    expect(repoSegment(repo)).toMatch(COMPONENT);
  });

  it("stays valid for any repo name the gate accepts, however odd", () => {
    const odd = ["a.b-c_d.git", "x__y.git", "g-/-h.git", "9.git", `${"long-".repeat(60)}x.git`, "a._-b.git"];
    for (const repo of odd) {
      const [name, tag] = imageTag(repo, "run-1").split(":");
      expect(name?.split("/")[1]).toMatch(COMPONENT);
      expect(name!.length).toBeLessThanOrEqual(255);
      expect(tag).toMatch(TAG);
    }
  });

  it("keeps tags within docker's rules whatever the run id looks like", () => {
    expect(imageTag("foo.git", "-weird/id").split(":")[1]).toMatch(TAG);
    expect(imageTag("foo.git", "x".repeat(300)).split(":")[1]).toHaveLength(128);
  });
});
