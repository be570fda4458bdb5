/** What reconcile and gc clean up after a crash: containers, process groups, workspaces. */
/** Containers started for runs, as the container runtime labels them. */
export interface ContainerJanitor {
  /** Every container carrying a quire run label, with the run id it names. */
  listRunContainers(): Promise<{ containerId: string; runId: string }[]>;
  remove(containerId: string): Promise<void>;
}

/** Process groups that host commands of runs started, recorded outside the process. */
export interface ProcessJanitor {
  /** Run ids that still have recorded process groups. */
  listRuns(): Promise<string[]>;
  /** Kills every recorded process group of the run; returns how many were alive. */
  killRun(runId: string): Promise<number>;
}

/** Per-run workspaces left on disk; reconcile removes those no live run uses. */
export interface WorkspaceJanitor {
  /** Run ids that have a workspace (none when workspaces are kept on purpose). */
  listRuns(): Promise<string[]>;
  remove(runId: string): Promise<void>;
}
