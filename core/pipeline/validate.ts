import type { JobSpec } from "../ports/pipeline-runtime.ts";
import { jobIdProblem } from "../run/run-layout.ts";
import { err, ok, type Result } from "../result.ts";

/** Sources are inputs that no job produces; `quire/push` is the only one for now. */
export const SOURCES = ["quire/push"] as const;
const isSource = (input: string) => (SOURCES as readonly string[]).includes(input);

/** Each job's receipt is served with its run, so their number is bounded like their size. */
export const MAX_JOBS = 500;

/** Jobs in an order where every job comes after all of its inputs. */
export interface ValidPipeline {
  order: JobSpec[];
  /** Each job's transitive job ancestors; `jobs(name)` may read only these and sources. */
  ancestors: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Fails closed, naming the jobs at fault: empty inputs, duplicate ids, ids that break the
 * job-id rule (core/run/run-layout.ts), unknown inputs, cycles (every member), jobs no source
 * reaches, more jobs than a run's records are sized for. Every problem is reported at
 * once, so a fix does not uncover the next one; a job already named (a broken input, a
 * cycle) is not named again as unreachable, nor are the jobs behind it.
 */
export function validatePipeline(jobs: readonly JobSpec[]): Result<ValidPipeline, string[]> {
  const errors: string[] = [];
  if (jobs.length === 0) errors.push("the pipeline defines no jobs: call job(id, inputs, run) at least once");
  if (jobs.length > MAX_JOBS) return err([`the pipeline defines ${jobs.length} jobs; at most ${MAX_JOBS} are allowed`]);
  const byId = new Map<string, JobSpec>();
  // Jobs whose own inputs are wrong; they and the jobs behind them are not "unreachable" too.
  const broken = new Set<string>();
  for (const job of jobs) {
    const problem = jobIdProblem(job.id);
    if (problem !== undefined) errors.push(`job ${JSON.stringify(job.id.slice(0, 120))}: a job id ${problem}`);
    if (byId.has(job.id)) errors.push(`job "${job.id}" is defined more than once`);
    byId.set(job.id, job);
    if (job.inputs.length === 0) {
      errors.push(`job "${job.id}" has no inputs: give it a source like "quire/push" or another job`);
      broken.add(job.id);
    }
    for (const input of job.inputs) {
      if (!isSource(input) && !jobs.some((j) => j.id === input)) {
        errors.push(`job "${job.id}" has unknown input "${input}"`);
        broken.add(job.id);
      }
    }
  }

  const sorted = topologicalOrder(jobs, byId);
  if (sorted.cycle !== undefined) errors.push(`jobs form a cycle: ${sorted.cycle.map((id) => `"${id}"`).join(" → ")}`);
  const order = sorted.order;

  const ancestors = new Map<string, Set<string>>();
  const reached = new Set<string>();
  for (const job of order) {
    const mine = new Set<string>();
    for (const input of job.inputs) {
      if (isSource(input)) {
        reached.add(job.id);
        continue;
      }
      if (broken.has(input)) broken.add(job.id);
      if (!byId.has(input)) continue;
      mine.add(input);
      for (const a of ancestors.get(input) ?? []) mine.add(a);
      if (reached.has(input)) reached.add(job.id);
    }
    ancestors.set(job.id, mine);
  }
  // Jobs left out of the order wait on a cycle, which is reported above.
  const unreachable = order.filter((j) => !reached.has(j.id) && !broken.has(j.id)).map((j) => `"${j.id}"`);
  if (unreachable.length > 0) errors.push(`jobs not reachable from a source (${SOURCES.join(", ")}): ${unreachable.join(", ")}`);
  if (errors.length > 0) return err(errors);
  return ok({ order, ancestors });
}

/** Kahn's algorithm, keeping declaration order among ready jobs; a leftover set is a cycle. */
function topologicalOrder(jobs: readonly JobSpec[], byId: Map<string, JobSpec>): { order: JobSpec[]; cycle?: string[] } {
  const remaining = new Map(jobs.map((j) => [j.id, new Set(j.inputs.filter((i) => byId.has(i)))]));
  const order: JobSpec[] = [];
  while (remaining.size > 0) {
    const ready = jobs.find((j) => remaining.get(j.id)?.size === 0);
    if (!ready) break;
    remaining.delete(ready.id);
    order.push(ready);
    for (const inputs of remaining.values()) inputs.delete(ready.id);
  }
  return remaining.size === 0 ? { order } : { order, cycle: cycleMembers(remaining) };
}

/** The jobs actually on a cycle, not those merely waiting behind one. */
function cycleMembers(remaining: Map<string, Set<string>>): string[] {
  const onCycle = [...remaining.keys()].filter((start) => {
    const seen = new Set<string>();
    const stack = [...(remaining.get(start) ?? [])];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (id === start) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(remaining.get(id) ?? []));
    }
    return false;
  });
  return onCycle.length > 0 ? onCycle : [...remaining.keys()];
}
