// Sync fs only: the hook loads this module on every push, and node:fs/promises would load a
// dozen more internal modules for two small reads. The writes here happen once, at start.
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where one quire installation keeps everything. */
export interface Home {
  root: string;
  repos: string;
  runs: string;
  workspaces: string;
  /** Process groups of host commands, recorded so reconcile can kill what a crash left. */
  processes: string;
  serverUrl: string;
  hookToken: string;
  config: string;
  /** Repos registered where they live (`quire repo add`). */
  registry: string;
  /** Outbound deliveries (webhooks, commit statuses, mirror pushes), one file each. */
  outbox: string;
}

export function resolveHome(flag?: string): Home {
  const root = resolve(flag ?? process.env.QUIRE_HOME ?? join(homedir(), ".quire"));
  return {
    root,
    repos: join(root, "repos"),
    runs: join(root, "runs"),
    workspaces: join(root, "workspaces"),
    processes: join(root, "workspaces", ".processes"),
    serverUrl: join(root, "server.url"),
    hookToken: join(root, "hook.token"),
    config: join(root, "config.yml"),
    registry: join(root, "repos.json"),
    outbox: join(root, "outbox"),
  };
}

export async function ensureHomeDirs(home: Home): Promise<void> {
  // The home holds the hook token and every run's logs: closed to other users from the start.
  mkdirSync(home.root, { recursive: true, mode: 0o700 });
  for (const dir of [home.repos, home.runs, home.workspaces]) mkdirSync(dir, { recursive: true });
}

/** The hook token: created once, readable by the owner only. */
export async function ensureHookToken(home: Home): Promise<string> {
  mkdirSync(home.root, { recursive: true });
  // Imported here: the hook loads this module on every push and never makes a token.
  const { randomBytes } = await import("node:crypto");
  try {
    writeFileSync(home.hookToken, randomBytes(32).toString("hex") + "\n", { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return readHookToken(home);
}

const tokens = new Map<string, { stamp: string; token: string }>();

/**
 * The server asks for the token on every hook request: one stat, and a read only when the
 * file changed, so a rotated token still takes effect at once.
 */
export async function readHookToken(home: Home): Promise<string> {
  // Sync on purpose: ~2 µs, where the async stat queued behind disk writes on every hook request.
  const info = statSync(home.hookToken);
  const stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
  const known = tokens.get(home.hookToken);
  if (known?.stamp === stamp) return known.token;
  const token = readFileSync(home.hookToken, "utf8").trim();
  tokens.set(home.hookToken, { stamp, token });
  return token;
}

export async function readServerUrl(home: Home): Promise<string | undefined> {
  try {
    return readFileSync(home.serverUrl, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
