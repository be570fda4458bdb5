import { MemoryRunStore } from "../../adapters/storage/memory-run-store.ts";
import { runStoreContract } from "./run-store.contract.ts";

runStoreContract("memory", async () => ({ store: new MemoryRunStore() }));
