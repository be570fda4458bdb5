import { draftRun } from "./create-run.ts";
import { eventRunId } from "./event-run-id.ts";
import { gate, type GateDecision } from "./gate.ts";
import type { Clock, Ids } from "../ports/clock-ids.ts";
import type { GitPort } from "../ports/git.ts";
import type { RunStore } from "../ports/storage.ts";
import { isDeletion, parsePushEvent, type EventError } from "./push-event.ts";
import type { PushEvent, RunRecord } from "../types.ts";

export interface IntakeDeps {
  store: RunStore;
  git: GitPort;
  ids: Ids;
  clock: Clock;
}

export type IntakeResult =
  | {
      kind: "accepted";
      /** The validated event (mirrors are pushed from it). */
      event: PushEvent;
      /** Runs this delivery created. */
      runs: RunRecord[];
      skipped: Extract<GateDecision, { kind: "skip" }>[];
      /** Runs an earlier delivery of the same event id already created (left as they are). */
      already: RunRecord[];
    }
  | { kind: "invalid"; error: EventError }
  | { kind: "unknown-repo"; repo: string };

/**
 * A push event in, the runs it created out. Bad input is a value and writes nothing. An event
 * with an id is idempotent: delivering it again creates no run twice (callers serialise
 * deliveries of one id, see functions/http/accept-event.ts).
 */
export async function acceptPush(deps: IntakeDeps, body: unknown): Promise<IntakeResult> {
  const parsed = parsePushEvent(body);
  if (!parsed.ok) return { kind: "invalid", error: parsed.error };
  const event = parsed.value;
  if (!(await deps.git.repoExists(event.repo))) return { kind: "unknown-repo", repo: event.repo };
  // Each new commit's subject is asked for while the gate looks for pipelines: two git
  // answers awaited together, not one after the other (subjectOf never rejects).
  const subjects = new Map<string, Promise<string | null>>();
  for (const update of event.refs) {
    if (!isDeletion(update.new_sha) && !subjects.has(update.new_sha)) subjects.set(update.new_sha, subjectOf(deps.git, event.repo, update.new_sha));
  }
  const decisions = await gate(event, deps.git);
  const runs: RunRecord[] = [];
  const already: RunRecord[] = [];
  const skipped: Extract<GateDecision, { kind: "skip" }>[] = [];
  for (const [index, decision] of decisions.entries()) {
    if (decision.kind === "skip") {
      skipped.push(decision);
      continue;
    }
    // gate keeps the order of event.refs, so the index names the same ref on every delivery.
    const run_id = event.event_id === undefined ? undefined : eventRunId(event.event_id, index);
    const existing = run_id === undefined ? undefined : await deps.store.getRun(event.repo, run_id);
    if (existing) {
      already.push(existing);
      continue;
    }
    const subject = await (subjects.get(decision.update.new_sha) ?? subjectOf(deps.git, event.repo, decision.update.new_sha));
    const draft = draftRun(
      {
        ...(run_id === undefined ? {} : { run_id }),
        repo: event.repo,
        update: decision.update,
        pushed_at: event.pushed_at,
        pipeline: decision.pipeline,
        ...(subject === null ? {} : { subject }),
      },
      deps.ids,
      deps.clock,
    );
    runs.push(await deps.store.createRun(draft));
  }
  return { kind: "accepted", event, runs, skipped, already };
}

/** The subject is a nicety for people: a git that cannot tell it never fails the push. */
async function subjectOf(git: GitPort, repo: PushEvent["repo"], sha: string): Promise<string | null> {
  if (!git.commitSubject) return null;
  try {
    return await git.commitSubject(repo, sha);
  } catch {
    return null;
  }
}
