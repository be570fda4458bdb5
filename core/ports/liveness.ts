/** Says whether the process behind a lease owner is still alive. */
export interface Liveness {
  /** The owner string this process writes into leases. */
  readonly self: string;
  isAlive(owner: string): boolean;
}
