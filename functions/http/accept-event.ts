import { acceptPush, type IntakeDeps, type IntakeResult } from "../../core/intake/intake.ts";

/** Deliveries of one event id in flight, so a second waits for the first and then finds its runs. */
const inFlight = new Map<string, Promise<unknown>>();

/**
 * acceptPush, one delivery per event id at a time. The hook's own post and the server's spool
 * delivery of the same event may overlap (the hook timed out while the server was still
 * accepting); run in turn, the later one sees the runs the first made and creates nothing.
 */
export async function acceptEvent(deps: IntakeDeps, body: unknown): Promise<IntakeResult> {
  const id = eventIdOf(body);
  if (id === undefined) return acceptPush(deps, body);
  const before = inFlight.get(id) ?? Promise.resolve();
  const mine = before.catch(() => undefined).then(() => acceptPush(deps, body));
  inFlight.set(id, mine);
  try {
    return await mine;
  } finally {
    if (inFlight.get(id) === mine) inFlight.delete(id);
  }
}

function eventIdOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const id = (body as { event_id?: unknown }).event_id;
  return typeof id === "string" ? id : undefined;
}
