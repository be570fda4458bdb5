import { createHash } from "node:crypto";
import { FakeGit } from "../../adapters/git/fake-git.ts";
import { COMMITS, GROUPED, gitContract, REPO, type CommitName } from "./git.contract.ts";

const fakeSha = (name: string) => createHash("sha1").update(name).digest("hex");

gitContract("FakeGit", async () => {
  const git = new FakeGit();
  const sha = {} as Record<CommitName, string>;
  for (const [name, files] of Object.entries(COMMITS)) {
    sha[name as CommitName] = fakeSha(name);
    git.commit(REPO, fakeSha(name), Object.keys(files));
  }
  const groupedSha = fakeSha("grouped");
  git.commit(GROUPED, groupedSha, Object.keys(COMMITS.withTs));
  return { git, sha, groupedSha };
});
