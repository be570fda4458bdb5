/**
 * What `quire gc` removes: run images and leftover workspaces beyond retention.
 * Pure: the adapters list what exists, this decides, the command removes.
 */

export type GcKind = "image" | "workspace";

export interface GcItem {
  kind: GcKind;
  /** What the adapter removes: an image reference or a directory path. */
  ref: string;
  /** Retention counts per group: the repo (segment) the item belongs to. */
  group: string;
  /** ISO-8601 UTC, as Clock writes it, so string order is time order. */
  createdAt: string;
  /** The run it was made for, when known. */
  runId: string | null;
}

export interface GcPolicy {
  /** The newest this many items of each kind and group stay. */
  keepLast: number;
  /** Items created at or after this ISO time stay (now minus the age limit). */
  keepSince: string;
  /** Runs still pending or active: their items are in use and always stay. */
  liveRunIds: ReadonlySet<string>;
}

export type KeepReason = "recent" | "young" | "live";

export interface GcPlan {
  remove: GcItem[];
  keep: { item: GcItem; reason: KeepReason }[];
}

export function planGc(items: readonly GcItem[], policy: GcPolicy): GcPlan {
  const groups = new Map<string, GcItem[]>();
  for (const item of items) {
    const key = `${item.kind}\0${item.group}`;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const plan: GcPlan = { remove: [], keep: [] };
  for (const group of groups.values()) {
    const newestFirst = [...group].sort(
      (a, b) => compare(b.createdAt, a.createdAt) || compare(b.ref, a.ref),
    );
    // Live items stay anyway, so they do not use up the newest-N quota of finished ones.
    let finished = 0;
    for (const item of newestFirst) {
      const live = item.runId !== null && policy.liveRunIds.has(item.runId);
      const reason = live ? "live" : keepReason(item, finished++, policy);
      if (reason) plan.keep.push({ item, reason });
      else plan.remove.push(item);
    }
  }
  return plan;
}

function keepReason(item: GcItem, rank: number, policy: GcPolicy): KeepReason | null {
  if (rank < policy.keepLast) return "recent";
  if (item.createdAt >= policy.keepSince) return "young";
  return null;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
