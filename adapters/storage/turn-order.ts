/** One caller's place in a `TurnOrder`. */
export interface Turn {
  /** Settles once every earlier turn of the key is done. */
  before: Promise<void>;
  /** Lets the next turn go; call exactly once, whatever happened. */
  done: () => void;
}

/**
 * Turns per key, kept in the order they were taken: work that runs concurrently can still
 * do one step (claiming numbers, publishing) in the order it started.
 */
export class TurnOrder {
  private readonly tails = new Map<string, Promise<void>>();

  take(key: string): Turn {
    const before = this.tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return { before, done };
  }
}
