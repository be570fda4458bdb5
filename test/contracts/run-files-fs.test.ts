import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { FsRunFiles } from "../../adapters/logs/fs-run-files.ts";
import { FsRunStore } from "../../adapters/storage/fs-run-store.ts";
import { runFilesContract } from "./run-files.contract.ts";

runFilesContract("fs", async () => {
  const store = new FsRunStore(join(await mkdtemp(join(tmpdir(), "quire-run-files-")), "runs"));
  const clock = new FakeClock();
  return { store, clock, files: new FsRunFiles(store.layout, clock) };
});
