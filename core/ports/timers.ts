/** Timers as a port, so the queue stays testable without real time. */
export interface Timers {
  after(ms: number, fn: () => void): () => void;
}
