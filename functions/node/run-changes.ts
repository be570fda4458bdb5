/**
 * Live views wait here between polls: a notification that a run changed (new log chunk,
 * new state) ends the wait at once, so a tail shows output as it is written; without one
 * the wait ends after its timeout, and the view polls as before.
 */
export class RunChanges {
  private readonly waiters = new Map<string, Set<() => void>>();

  notify(runId: string): void {
    const waiting = this.waiters.get(runId);
    if (!waiting) return;
    this.waiters.delete(runId);
    for (const wake of waiting) wake();
  }

  wait(runId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiting = this.waiters.get(runId);
      if (!waiting) this.waiters.set(runId, (waiting = new Set()));
      const set = waiting;
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(runId) === set) this.waiters.delete(runId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }
}
