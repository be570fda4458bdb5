import * as z from "../validation/zod.ts";
import { EVENT_ID } from "./event-run-id.ts";
import { checkFullRef } from "../names/ref-name.ts";
import { parseRepoName } from "../names/repo-name.ts";
import { err, ok, type Result } from "../result.ts";
import type { PushEvent } from "../types.ts";

export const ZERO_SHA = "0".repeat(40);
const SHA = /^[0-9a-f]{40}$/;
const MAX_REFS = 1000;

export interface EventError {
  code: "invalid_event" | "invalid_repo";
  message: string;
}

const refSchema = z.object({
  ref: z.string().check(
    z.superRefine((ref, ctx) => {
      const problem = checkFullRef(ref);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: `is not a valid git ref: ${problem}` });
    }),
  ),
  old_sha: z.string().check(z.regex(SHA, "must be 40 lowercase hex characters")),
  new_sha: z.string().check(z.regex(SHA, "must be 40 lowercase hex characters")),
});

const eventSchema = z.object({
  type: z.literal("push"),
  /** Set by hooks, so an event delivered twice (spool, retry) creates its runs once. */
  event_id: z.optional(z.string().check(z.regex(EVENT_ID, "must be a lowercase UUID"))),
  repo: z.string(),
  pushed_at: z.iso.datetime({ offset: true }),
  refs: z.array(refSchema).check(z.minLength(1), z.maxLength(MAX_REFS)),
});

/** Validates an untrusted push event body; nothing touches a path before this passes. */
export function parsePushEvent(body: unknown): Result<PushEvent, EventError> {
  const parsed = eventSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "body";
    return err({ code: "invalid_event", message: `${where}: ${issue?.message ?? "invalid"}` });
  }
  const repo = parseRepoName(parsed.data.repo);
  if (!repo.ok) return repo;
  const { event_id, ...rest } = parsed.data;
  return ok({ ...rest, type: "push", repo: repo.value, ...(event_id === undefined ? {} : { event_id }) });
}

export const isDeletion = (sha: string): boolean => sha === ZERO_SHA;

/** `refs/heads/x` → branch x; `refs/tags/v1` → tag v1. */
export function refParts(ref: string): { branch: string | null; tag: string | null } {
  if (ref.startsWith("refs/heads/")) return { branch: ref.slice("refs/heads/".length), tag: null };
  if (ref.startsWith("refs/tags/")) return { branch: null, tag: ref.slice("refs/tags/".length) };
  return { branch: null, tag: null };
}
