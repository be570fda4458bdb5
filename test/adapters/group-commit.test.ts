import { describe, expect, it, vi } from "vitest";
import { GroupCommit } from "../../adapters/storage/group-commit.ts";

/** A write that takes a turn of the event loop, so items added meanwhile queue for the next batch. */
const slowWrite = (batches: number[][]) => async (_key: string, items: number[]) => {
  batches.push(items);
  await new Promise((resolve) => setTimeout(resolve, 5));
  return items.map((n) => n * 10);
};

describe("GroupCommit", () => {
  it("writes items queued during a batch as the next batch, under the same hold", async () => {
    const batches: number[][] = [];
    const holds: string[] = [];
    const commit = new GroupCommit(slowWrite(batches), {
      hold: async (key, drain) => {
        holds.push(key);
        await drain();
      },
    });
    const first = commit.add("a", 1);
    await Promise.resolve();
    const rest = [2, 3, 4].map((n) => commit.add("a", n));
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(holds).toEqual(["a"]);
  });

  it("lets go of the hold after batchesPerHold batches and takes it again for the rest", async () => {
    const batches: number[][] = [];
    let holds = 0;
    const commit = new GroupCommit(slowWrite(batches), {
      maxBatch: 1,
      batchesPerHold: 2,
      hold: async (_key, drain) => {
        holds += 1;
        await drain();
      },
    });
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => commit.add("a", n)))).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2], [3], [4], [5]]);
    expect(holds).toBe(3);
  });

  it("fails every queued item when the hold cannot be had, and takes it afresh for later items", async () => {
    const batches: number[][] = [];
    let refuse = true;
    const commit = new GroupCommit(slowWrite(batches), {
      hold: async (_key, drain) => {
        if (refuse) throw Object.assign(new Error("locked"), { code: "ELOCKED" });
        await drain();
      },
    });
    const refused = await Promise.allSettled([1, 2].map((n) => commit.add("a", n)));
    expect(refused.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(batches).toEqual([]);
    refuse = false;
    expect(await commit.add("a", 3)).toBe(30);
  });

  it("fails only the batch whose write failed", async () => {
    const commit = new GroupCommit<number, number>(async (_key, items) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (items.includes(2)) throw new Error("disk full");
      return items;
    });
    const first = commit.add("a", 1);
    await Promise.resolve();
    const second = commit.add("a", 2);
    const [a, b] = await Promise.allSettled([first, second]);
    expect(a).toEqual({ status: "fulfilled", value: 1 });
    expect(b.status).toBe("rejected");
    expect(await commit.add("a", 3)).toBe(3);
  });
});

describe("GroupCommit with depth", () => {
  it("starts the next batch while the one before is still being written, and lets go of the hold after both", async () => {
    const started: number[][] = [];
    const finish: (() => void)[] = [];
    const events: string[] = [];
    const commit = new GroupCommit<number, number>(
      async (_key, items) => {
        started.push(items);
        await new Promise<void>((resolve) => finish.push(resolve));
        return items.map((n) => n * 10);
      },
      {
        depth: 2,
        hold: async (_key, drain) => {
          events.push("take");
          await drain();
          events.push("let go");
        },
      },
    );
    const first = commit.add("a", 1);
    await vi.waitFor(() => expect(started).toEqual([[1]]));
    const second = [2, 3].map((n) => commit.add("a", n));
    // Batch [2, 3] starts although [1] is not written yet; a third waits for room.
    await vi.waitFor(() => expect(started).toEqual([[1], [2, 3]]));
    const third = commit.add("a", 4);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(started).toHaveLength(2);
    finish[0]?.();
    expect(await first).toBe(10);
    await vi.waitFor(() => expect(started).toEqual([[1], [2, 3], [4]]));
    finish[1]?.();
    finish[2]?.();
    expect(await Promise.all([...second, third])).toEqual([20, 30, 40]);
    await vi.waitFor(() => expect(events).toEqual(["take", "let go"]));
  });

  it("fails only the overlapping batch whose write failed", async () => {
    const commit = new GroupCommit<number, number>(
      async (_key, items) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (items.includes(2)) throw new Error("disk full");
        return items;
      },
      { depth: 4 },
    );
    // A millisecond apart: items added in one turn of the event loop would share a batch.
    const first = commit.add("a", 1);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const second = commit.add("a", 2);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const third = commit.add("a", 3);
    const settled = await Promise.allSettled([first, second, third]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await commit.add("a", 5)).toBe(5);
  });
});
