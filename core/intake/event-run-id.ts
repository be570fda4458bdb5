/** What a hook names its event with: a UUID (v7, so spooled events sort by push time). */
export const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The run id for the ref at `index` of an event. Derived, not drawn: an event delivered twice
 * (the hook timed out after the server accepted it, or the server died before removing a
 * spooled copy) names the same runs, so intake can see they exist and create nothing.
 * Events carry at most 1000 refs, so the index fits the last three hex digits.
 */
export function eventRunId(eventId: string, index: number): string {
  return eventId.slice(0, -3) + index.toString(16).padStart(3, "0");
}
