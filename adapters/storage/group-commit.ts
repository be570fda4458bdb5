interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/** Runs a key's drain under whatever the writes need held (a lock), taken once for many batches. */
export type Hold = (key: string, drain: () => Promise<void>) => Promise<void>;

export interface GroupCommitOptions {
  maxBatch?: number;
  /** Wraps each drain: the batches written back to back share one take of it. */
  hold?: Hold;
  /** Batches one hold covers at most, so another process waiting for the lock gets a turn. */
  batchesPerHold?: number;
  /**
   * Batches of one key being written at once (default 1). Above 1 the write must keep its
   * own order where order matters: batch N+1 starts while batch N still waits for its disk.
   */
  depth?: number;
}

/**
 * Group commit per key: while one batch is being written, new items queue, and the next
 * batch takes them all at once. Under load the fixed cost of a write (a lock, an fsync)
 * is paid once per batch instead of once per item; an idle key writes at once. Batches
 * queued while one is written follow it under the same hold: taking and letting go of an
 * inter-process lock are two thread-pool round trips that wait behind the batch's fsyncs,
 * and paid per batch they were a third of the time every batch held the key.
 *
 * With `depth` above 1 the next batch does not wait for the one before to be on disk:
 * the items that arrived in one turn of the event loop start at once. Waiting for the
 * batch before made every item wait for two rounds of fsyncs, its predecessor's and its
 * own, so under steady load half the callers always sat in the queue.
 */
export class GroupCommit<T, R> {
  private readonly queues = new Map<string, Waiting<T, R>[]>();
  private readonly busy = new Set<string>();
  /** A drain waiting for items (or for a batch to finish) is woken by `add`. */
  private readonly wakers = new Map<string, () => void>();
  private readonly maxBatch: number;
  private readonly hold: Hold;
  private readonly batchesPerHold: number;
  private readonly depth: number;

  constructor(
    private readonly write: (key: string, items: T[]) => Promise<R[]>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
    this.hold = options.hold ?? ((_key, drain) => drain());
    this.batchesPerHold = options.batchesPerHold ?? 16;
    this.depth = options.depth ?? 1;
  }

  add(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.queues.get(key) ?? [];
      queue.push({ item, resolve, reject });
      this.queues.set(key, queue);
      if (!this.busy.has(key)) void this.drain(key);
      else this.wakers.get(key)?.();
    });
  }

  private async drain(key: string): Promise<void> {
    this.busy.add(key);
    try {
      while (this.queues.has(key)) {
        // A batch taken is settled by its write; items never taken are failed here if the hold could not be had.
        try {
          await this.hold(key, () => this.writeBatches(key));
        } catch (error) {
          // The hold failed (the lock could not be taken or let go): all queued fail.
          for (const w of this.take(key, Infinity)) w.reject(error);
        }
      }
    } finally {
      this.busy.delete(key);
    }
  }

  /** Up to `batchesPerHold` batches, at most `depth` at once; returns once none is being written. */
  private async writeBatches(key: string): Promise<void> {
    const writing = new Set<Promise<void>>();
    let started = 0;
    while (started < this.batchesPerHold) {
      if (writing.size >= this.depth || (writing.size > 0 && !this.queues.has(key))) {
        await this.nextChange(key, writing);
        continue;
      }
      // Items that arrive in this turn of the event loop join the batch.
      if (writing.size > 0) await new Promise((resolve) => setImmediate(resolve));
      const batch = this.take(key);
      if (batch.length === 0) break;
      started += 1;
      const done = this.writeOne(key, batch).finally(() => writing.delete(done));
      writing.add(done);
    }
    while (writing.size > 0) await Promise.race(writing);
  }

  /** Resolves when a batch in `writing` settles or, if there is room for another, an item arrives. */
  private nextChange(key: string, writing: Set<Promise<void>>): Promise<void> {
    const waits: Promise<unknown>[] = [...writing];
    if (writing.size < this.depth) waits.push(new Promise<void>((resolve) => this.wakers.set(key, resolve)));
    return Promise.race(waits).then(() => {
      this.wakers.delete(key);
    });
  }

  /** Settles every item of the batch; never rejects. */
  private async writeOne(key: string, batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.write(key, batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i] as R));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }

  private take(key: string, limit = this.maxBatch): Waiting<T, R>[] {
    const queue = this.queues.get(key) ?? [];
    const batch = queue.splice(0, limit);
    if (queue.length === 0) this.queues.delete(key);
    return batch;
  }
}
