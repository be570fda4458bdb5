import * as z from "../validation/zod.ts";
import { parseRepoName } from "../names/repo-name.ts";
import { err, ok, type Result } from "../result.ts";
import type { RepoName } from "../types.ts";

/**
 * Repos quire serves where they already live (`quire repo add`), as opposed to the ones
 * `quire repo new` makes under `<home>/repos`. Paths are absolute and recorded as given,
 * so detaching finds exactly what attaching touched.
 */
export interface RegisteredRepo {
  name: RepoName;
  git_dir: string;
  /** The file quire's hook lives in: `<hooks>/post-receive` or `<hooks>/post-receive.d/quire`. */
  hook: string;
  /** Where the post-receive that was there before now lives; renamed back on detach. */
  previous: string | null;
  /** Unix user that owns the repo (and so runs the hook on an ssh push). */
  owner_uid: number;
  added_at: string;
}

export interface RepoRegistry {
  version: 1;
  repos: RegisteredRepo[];
}

export type RegistryError = { code: "registry_invalid" | "name_taken" | "path_taken" | "unknown_repo"; message: string };

const absolute = z.string().check(z.refine((path) => path.startsWith("/") && !path.includes("\0"), "must be an absolute path"));

const entrySchema = z.strictObject({
  name: z.string(),
  git_dir: absolute,
  hook: absolute,
  previous: z.nullable(absolute),
  owner_uid: z.int().check(z.minimum(0)),
  added_at: z.string(),
});

const registrySchema = z.strictObject({ version: z.literal(1), repos: z.array(entrySchema) });

export const emptyRegistry = (): RepoRegistry => ({ version: 1, repos: [] });

/** Reads the registry file's text; a hand-edited file with a bad name or path is refused whole. */
export function parseRegistry(text: string): Result<RepoRegistry, RegistryError> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    return err({ code: "registry_invalid", message: `not JSON: ${(cause as Error).message}` });
  }
  const parsed = registrySchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
    return err({ code: "registry_invalid", message: problems });
  }
  const repos: RegisteredRepo[] = [];
  for (const entry of parsed.data.repos) {
    const name = parseRepoName(entry.name);
    if (!name.ok) return err({ code: "registry_invalid", message: name.error.message });
    repos.push({ ...entry, name: name.value });
  }
  return ok({ version: 1, repos });
}

export function serializeRegistry(registry: RepoRegistry): string {
  const repos = [...registry.repos].sort((a, b) => a.name.localeCompare(b.name));
  return JSON.stringify({ version: 1, repos }, null, 2) + "\n";
}

export function findRegistered(registry: RepoRegistry, name: string): RegisteredRepo | undefined {
  return registry.repos.find((repo) => repo.name === name);
}

/** One name, one path: a second registration of either is refused rather than silently replaced. */
export function addRegistered(registry: RepoRegistry, entry: RegisteredRepo): Result<RepoRegistry, RegistryError> {
  const byName = findRegistered(registry, entry.name);
  if (byName) return err({ code: "name_taken", message: `${entry.name} is already registered (at ${byName.git_dir})` });
  const byPath = registry.repos.find((repo) => repo.git_dir === entry.git_dir);
  if (byPath) return err({ code: "path_taken", message: `${entry.git_dir} is already registered as ${byPath.name}` });
  return ok({ version: 1, repos: [...registry.repos, entry] });
}

export function removeRegistered(registry: RepoRegistry, name: string): Result<RepoRegistry, RegistryError> {
  if (!findRegistered(registry, name)) return err({ code: "unknown_repo", message: `no registered repo named ${name}` });
  return ok({ version: 1, repos: registry.repos.filter((repo) => repo.name !== name) });
}

/**
 * The name a repo found at `group/foo` or `foo.git` (relative to a scanned directory) gets:
 * `.git` is added when missing, and deeper nesting than one group is refused with a hint.
 */
export function nameFromRelativePath(relative: string): Result<RepoName, RegistryError> {
  const segments = relative.split("/").filter((segment) => segment.length > 0);
  const last = segments.pop() ?? "";
  const withSuffix = [...segments, last.endsWith(".git") ? last : `${last}.git`].join("/");
  const name = parseRepoName(withSuffix);
  if (!name.ok) return err({ code: "registry_invalid", message: `${name.error.message}; pick one with --name` });
  return ok(name.value);
}
