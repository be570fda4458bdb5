interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit per key: while one batch is being written, new items queue, and the next
 * batch takes them all at once. Under load the fixed cost of a write (a lock, an fsync)
 * is paid once per batch instead of once per item; an idle key writes at once.
 */
export class GroupCommit<T, R> {
  private readonly queues = new Map<string, Waiting<T, R>[]>();
  private readonly busy = new Set<string>();

  constructor(
    private readonly write: (key: string, items: T[]) => Promise<R[]>,
    private readonly maxBatch = 64,
  ) {}

  add(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.queues.get(key) ?? [];
      queue.push({ item, resolve, reject });
      this.queues.set(key, queue);
      if (!this.busy.has(key)) void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    this.busy.add(key);
    try {
      for (let batch = this.take(key); batch.length > 0; batch = this.take(key)) {
        try {
          const results = await this.write(key, batch.map((w) => w.item));
          batch.forEach((w, i) => w.resolve(results[i] as R));
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.busy.delete(key);
    }
  }

  private take(key: string): Waiting<T, R>[] {
    const queue = this.queues.get(key) ?? [];
    const batch = queue.splice(0, this.maxBatch);
    if (queue.length === 0) this.queues.delete(key);
    return batch;
  }
}
