import { join } from "node:path";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FsRunFiles } from "../../adapters/logs/fs-run-files.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { runFilesContract } from "./run-files.contract.ts";
import { tempDir } from "../support/temp-dir.ts";

runFilesContract("fs", async () => {
  const store = new FsRunStore(join(await tempDir("quire-run-files-"), "runs"));
  const clock = new FakeClock();
  return { store, clock, files: new FsRunFiles(store.layout, clock) };
});
