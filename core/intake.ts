import { draftRun } from "./create-run.ts";
import { gate, type GateDecision } from "./gate.ts";
import type { Clock, GitPort, Ids, RunStore } from "./ports.ts";
import { parsePushEvent, type EventError } from "./push-event.ts";
import type { RunRecord } from "./types.ts";

export interface IntakeDeps {
  store: RunStore;
  git: GitPort;
  ids: Ids;
  clock: Clock;
}

export type IntakeResult =
  | { kind: "accepted"; runs: RunRecord[]; skipped: Extract<GateDecision, { kind: "skip" }>[] }
  | { kind: "invalid"; error: EventError }
  | { kind: "unknown-repo"; repo: string };

/** A push event in, the runs it created out. Bad input is a value and writes nothing. */
export async function acceptPush(deps: IntakeDeps, body: unknown): Promise<IntakeResult> {
  const parsed = parsePushEvent(body);
  if (!parsed.ok) return { kind: "invalid", error: parsed.error };
  const event = parsed.value;
  if (!(await deps.git.repoExists(event.repo))) return { kind: "unknown-repo", repo: event.repo };
  const decisions = await gate(event, deps.git);
  const runs: RunRecord[] = [];
  const skipped: Extract<GateDecision, { kind: "skip" }>[] = [];
  for (const decision of decisions) {
    if (decision.kind === "skip") {
      skipped.push(decision);
      continue;
    }
    const draft = draftRun(
      { repo: event.repo, update: decision.update, pushed_at: event.pushed_at, pipeline: decision.pipeline },
      deps.ids,
      deps.clock,
    );
    runs.push(await deps.store.createRun(draft));
  }
  return { kind: "accepted", runs, skipped };
}
