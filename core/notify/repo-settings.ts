import { parse } from "yaml";
import * as z from "zod";
import { FORGES } from "../outbox/delivery.ts";
import { err, ok, type Result } from "../result.ts";

/** Where a repo keeps its mirror and status settings, read at the pushed commit. */
export const REPO_SETTINGS_PATH = ".quire/config.yml";

/** http(s) only, and no credentials in the URL: tokens travel by secret name, never inline. */
const outboundUrl = z.string().refine((text) => {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password && !url.hash;
  } catch {
    return false;
  }
}, "must be an http(s) URL without user, password or #fragment");

const secretName = z.string().regex(/^[A-Za-z0-9_.-]+$/, "must name a secret of the server's config.yml");

const mirrorSchema = z
  .object({
    url: outboundUrl,
    token: secretName,
    username: z.string().regex(/^[^:\s]+$/, "must not contain ':' or spaces").default("quire"),
    force: z.boolean().default(false),
  })
  .strict();

const statusSchema = z
  .object({
    forge: z.enum(FORGES),
    api: outboundUrl,
    repo: z.string().regex(/^(?:\d+|[\w.-]+(?:\/[\w.-]+)+)$/, "must be owner/name (gitlab: a path or a numeric id)"),
    token: secretName,
    context: z.string().regex(/^[\w.\/-]{1,60}$/, "letters, digits, . _ / - (at most 60)").default("quire"),
    per_job: z.boolean().default(false),
  })
  .strict();

const settingsSchema = z
  .object({
    mirrors: z.array(mirrorSchema).max(10).default([]),
    status: z.array(statusSchema).max(10).default([]),
  })
  .strict();

export type RepoSettings = z.infer<typeof settingsSchema>;
export type MirrorSettings = z.infer<typeof mirrorSchema>;
export type StatusSettings = z.infer<typeof statusSchema>;

export const NO_SETTINGS: RepoSettings = { mirrors: [], status: [] };

/** Parses the file's text; every problem names its key, e.g. `mirrors.0.url: …`. */
export function parseRepoSettings(text: string): Result<RepoSettings, string> {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 10 }) ?? {};
  } catch (cause) {
    return err(`${REPO_SETTINGS_PATH} is not valid YAML: ${(cause as Error).message.split("\n")[0]}`);
  }
  const parsed = settingsSchema.safeParse(raw);
  if (parsed.success) return ok(parsed.data);
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`);
  return err(`${REPO_SETTINGS_PATH}: ${problems.join("; ")}`);
}
