import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FsOutboxStore } from "../../adapters/outbox/fs-outbox-store.ts";
import { tempPath } from "../../adapters/storage/atomic-write.ts";
import { MemoryOutboxStore } from "../../adapters/outbox/memory-outbox-store.ts";
import { outboxStoreContract } from "./outbox-store.contract.ts";
import { deliveryRecord } from "../support/outbox-fixtures.ts";
import { tempDir } from "../support/temp-dir.ts";

outboxStoreContract("memory", async () => {
  const store = new MemoryOutboxStore();
  return { store, reopen: () => store, cleanup: async () => {} };
});

outboxStoreContract("fs", async () => {
  const dir = await tempDir("quire-outbox-");
  return { store: new FsOutboxStore(join(dir, "outbox")), reopen: () => new FsOutboxStore(join(dir, "outbox")), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe("FsOutboxStore on disk", () => {
  it("is one JSON file per delivery, and a dead writer's temp file is removed instead of read", async () => {
    const dir = await tempDir("quire-outbox-");
    try {
      const store = new FsOutboxStore(dir);
      const id = "6f1c2b3a-0000-5000-8000-00000000000a";
      await store.put(deliveryRecord(id));
      // pid 2^22 + 1 is above Linux's pid_max, so no process has it: its writer is gone.
      await writeFile(tempPath(join(dir, `${id}.json`), 4194305), "{half");
      expect((await store.list()).map((d) => d.id)).toEqual([id]);
      expect(await readdir(dir)).toEqual([`${id}.json`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a file edited into invalid JSON is a storage error naming it, not a silent loss", async () => {
    const dir = await tempDir("quire-outbox-");
    try {
      const id = "6f1c2b3a-0000-5000-8000-00000000000a";
      await writeFile(join(dir, `${id}.json`), "{not json");
      await expect(new FsOutboxStore(dir).list()).rejects.toMatchObject({ name: "StorageError", code: "outbox_corrupt" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
