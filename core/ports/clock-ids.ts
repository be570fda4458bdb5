/** Wall clock as ISO-8601 strings; core never reads the time itself. */
export interface Clock {
  now(): string;
  /** The ISO time `ms` milliseconds from now (lease expiry, deadlines). */
  after(ms: number): string;
}

/** Time-ordered unique ids (UUIDv7 in production). */
export interface Ids {
  runId(): string;
}
