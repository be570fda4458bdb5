import { FakeClock } from "../../adapters/clock/fake-clock.ts";
import { MemoryRunFiles } from "../../adapters/logs/memory-run-files.ts";
import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { runFilesContract } from "./run-files.contract.ts";

runFilesContract("memory", async () => {
  const store = new MemoryRunStore();
  const clock = new FakeClock();
  return { store, clock, files: new MemoryRunFiles(store, clock) };
});
