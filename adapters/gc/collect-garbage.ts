import { planGc, type GcItem, type GcPlan, type KeepReason } from "../../core/maintenance/gc-plan.ts";
import { repoSegment } from "../../core/names/image-tag.ts";
import type { Clock } from "../../core/ports/clock-ids.ts";
import type { RunStore } from "../../core/ports/storage.ts";
import type { RepoName } from "../../core/types.ts";
import type { RunImages } from "./run-images.ts";
import { listWorkspaceDirs, removeWorkspaceDir } from "./workspace-dirs.ts";

export interface GcOptions {
  keepLast: number;
  keepDays: number;
  dryRun: boolean;
  /** Only this repo's images and workspaces. */
  repo?: RepoName;
}

export interface GcDeps {
  store: RunStore;
  clock: Clock;
  workspacesRoot: string;
  /** Absent when no docker is there to ask; workspaces are still collected. */
  images?: RunImages;
}

export interface GcReport {
  removed: GcItem[];
  kept: { item: GcItem; reason: KeepReason }[];
  /** Items that could not be removed (an image a container still uses), with docker's reason. */
  failed: { item: GcItem; error: string }[];
  /** Why images were not looked at, when they were not. */
  imagesSkipped?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export async function collectGarbage(deps: GcDeps, options: GcOptions): Promise<GcReport> {
  const items = await listWorkspaceDirs(deps.workspacesRoot, deps.store);
  let imagesSkipped: string | undefined;
  if (deps.images) {
    const images = await deps.images.list();
    if (images.ok) items.push(...images.value);
    else imagesSkipped = images.error.message;
  } else {
    imagesSkipped = "no docker";
  }
  const live = [...(await deps.store.listRuns({ state: "active" })), ...(await deps.store.listRuns({ state: "pending" }))];
  const plan: GcPlan = planGc(items.filter(inRepo(options.repo)), {
    keepLast: options.keepLast,
    keepSince: deps.clock.after(-options.keepDays * DAY_MS),
    liveRunIds: new Set(live.map((run) => run.meta.run_id)),
  });
  const report: GcReport = { removed: [], kept: plan.keep, failed: [], ...(imagesSkipped === undefined ? {} : { imagesSkipped }) };
  for (const item of plan.remove) {
    if (options.dryRun) {
      report.removed.push(item);
      continue;
    }
    const error = await remove(item, deps);
    if (error === undefined) report.removed.push(item);
    else report.failed.push({ item, error });
  }
  return report;
}

async function remove(item: GcItem, deps: GcDeps): Promise<string | undefined> {
  if (item.kind === "workspace") {
    await removeWorkspaceDir(item.ref);
    return undefined;
  }
  const removed = await deps.images?.remove(item.ref);
  return removed && !removed.ok ? removed.error : undefined;
}

function inRepo(repo: RepoName | undefined): (item: GcItem) => boolean {
  if (repo === undefined) return () => true;
  const segment = repoSegment(repo);
  return (item) => (item.kind === "image" ? item.group === segment : item.group === repo);
}
