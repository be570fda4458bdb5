import { parse } from "yaml";
import * as z from "../validation/zod.ts";
import { FORGES } from "../outbox/delivery.ts";
import { err, ok, type Result } from "../result.ts";

/** Where a repo keeps its mirror and status settings, read at the pushed commit. */
export const REPO_SETTINGS_PATH = ".quire/config.yml";

/** http(s) only, and no credentials in the URL: tokens travel by secret name, never inline. */
const outboundUrl = z.string().check(
  z.refine((text) => {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password && !url.hash;
  } catch {
    return false;
  }
}, "must be an http(s) URL without user, password or #fragment"),
);

const secretName = z.string().check(z.regex(/^[A-Za-z0-9_.-]+$/, "must name a secret of the server's config.yml"));

const mirrorSchema = z.strictObject({
  url: outboundUrl,
  token: secretName,
  username: z._default(z.string().check(z.regex(/^[^:\s]+$/, "must not contain ':' or spaces")), "quire"),
  force: z._default(z.boolean(), false),
});

const statusSchema = z.strictObject({
  forge: z.enum(FORGES),
  api: outboundUrl,
  repo: z.string().check(z.regex(/^(?:\d+|[\w.-]+(?:\/[\w.-]+)+)$/, "must be owner/name (gitlab: a path or a numeric id)")),
  token: secretName,
  context: z._default(z.string().check(z.regex(/^[\w.\/-]{1,60}$/, "letters, digits, . _ / - (at most 60)")), "quire"),
  per_job: z._default(z.boolean(), false),
});

const settingsSchema = z.strictObject({
  mirrors: z._default(z.array(mirrorSchema).check(z.maxLength(10)), []),
  status: z._default(z.array(statusSchema).check(z.maxLength(10)), []),
});

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
