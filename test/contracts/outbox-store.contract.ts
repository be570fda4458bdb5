import { describe, expect, it } from "vitest";
import type { OutboxStore } from "../../core/ports/outbox.ts";
import { deliveryRecord } from "../support/outbox-fixtures.ts";

const A = "6f1c2b3a-0000-5000-8000-00000000000a";
const B = "6f1c2b3a-0000-5000-8000-00000000000b";

/** One suite over every OutboxStore: what the outbox relies on. */
export function outboxStoreContract(name: string, make: () => Promise<{ store: OutboxStore; reopen: () => OutboxStore; cleanup: () => Promise<void> }>): void {
  describe(`OutboxStore contract: ${name}`, () => {
    it("keeps what was put, by id, and lists every record", async () => {
      const { store, cleanup } = await make();
      try {
        await store.put(deliveryRecord(A));
        await store.put(deliveryRecord(B, { seq: 2 }));
        expect((await store.get(A))?.id).toBe(A);
        expect((await store.list()).map((d) => d.id).sort()).toEqual([A, B]);
        expect(await store.get("6f1c2b3a-0000-5000-8000-00000000000c")).toBeUndefined();
      } finally {
        await cleanup();
      }
    });

    it("a second put replaces the record, and a caller's later edits do not leak in", async () => {
      const { store, cleanup } = await make();
      try {
        const record = deliveryRecord(A);
        await store.put(record);
        await store.put({ ...record, status: "delivered", attempts: 1 });
        record.status = "failed";
        expect(await store.get(A)).toMatchObject({ status: "delivered", attempts: 1 });
        expect(await store.list()).toHaveLength(1);
      } finally {
        await cleanup();
      }
    });

    it("remove forgets a record, and removing a missing one is fine", async () => {
      const { store, cleanup } = await make();
      try {
        await store.put(deliveryRecord(A));
        await store.remove(A);
        await store.remove(A);
        expect(await store.get(A)).toBeUndefined();
        expect(await store.list()).toEqual([]);
      } finally {
        await cleanup();
      }
    });

    it("what was put is there for the next process", async () => {
      const { store, reopen, cleanup } = await make();
      try {
        await store.put(deliveryRecord(A, { status: "in-flight", attempts: 2 }));
        expect(await reopen().get(A)).toMatchObject({ status: "in-flight", attempts: 2 });
      } finally {
        await cleanup();
      }
    });

    it("a get with something that is not a delivery id finds nothing", async () => {
      const { store, cleanup } = await make();
      try {
        await store.put(deliveryRecord(A));
        expect(await store.get("../" + A)).toBeUndefined();
      } finally {
        await cleanup();
      }
    });
  });
}
