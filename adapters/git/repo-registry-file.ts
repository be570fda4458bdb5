import { readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { QuireError } from "../../core/errors.ts";
import {
  emptyRegistry,
  parseRegistry,
  serializeRegistry,
  type RegisteredRepo,
  type RegistryError,
  type RepoRegistry,
} from "../../core/repos/repo-registry.ts";
import type { Result } from "../../core/result.ts";
import { writeFileAtomic } from "../storage/atomic-write.ts";
import { DirLock } from "../storage/dir-lock.ts";

/** `<home>/repos.json`: the repos registered where they live. A missing file is an empty registry. */
export async function readRegistry(path: string): Promise<RepoRegistry> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyRegistry();
    throw new QuireError("registry_unreadable", `cannot read ${path}`, { cause: error });
  }
  return parsed(path, text);
}

function parsed(path: string, text: string): RepoRegistry {
  const registry = parseRegistry(text);
  if (!registry.ok) throw new QuireError("registry_invalid", `${path}: ${registry.error.message}`);
  return registry.value;
}

/**
 * Read, change, write atomically, under an inter-process lock so two `repo add` at once
 * cannot drop each other's entry. A refused change writes nothing.
 */
export async function updateRegistry<T, E = RegistryError>(
  path: string,
  change: (registry: RepoRegistry) => Promise<Result<{ registry: RepoRegistry; value: T }, E>>,
): Promise<Result<T, E>> {
  return new DirLock(dirname(path), ".repos.lock", 30_000).run(async () => {
    const outcome = await change(await readRegistry(path));
    if (!outcome.ok) return outcome;
    await writeFileAtomic(path, serializeRegistry(outcome.value.registry));
    return { ok: true, value: outcome.value.value };
  });
}

/**
 * The server's view: where a registered repo's git dir is. Asked on every push, so it is
 * one stat and a re-read only when the file changed; a `repo add` takes effect at once.
 */
export class RegistryLookup {
  private stamp = "";
  private byName = new Map<string, RegisteredRepo>();

  constructor(private readonly path: string) {}

  get(name: string): RegisteredRepo | undefined {
    this.refresh();
    return this.byName.get(name);
  }

  private refresh(): void {
    let stamp: string;
    try {
      const info = statSync(this.path);
      stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch {
      stamp = "absent";
    }
    if (stamp === this.stamp) return;
    const registry = stamp === "absent" ? emptyRegistry() : parsed(this.path, readFileSync(this.path, "utf8"));
    this.byName = new Map(registry.repos.map((repo) => [repo.name, repo]));
    this.stamp = stamp;
  }
}

/** Where a repo's git dir is for a home: registered where it lives, else `<home>/repos/<name>`. */
export function registeredGitDir(home: { repos: string; registry: string }): (repo: string) => string {
  const lookup = new RegistryLookup(home.registry);
  return (repo) => lookup.get(repo)?.git_dir ?? join(home.repos, repo);
}
