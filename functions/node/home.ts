import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where one quire installation keeps everything. */
export interface Home {
  root: string;
  repos: string;
  runs: string;
  workspaces: string;
  serverUrl: string;
  hookToken: string;
  config: string;
}

export function resolveHome(flag?: string): Home {
  const root = resolve(flag ?? process.env.QUIRE_HOME ?? join(homedir(), ".quire"));
  return {
    root,
    repos: join(root, "repos"),
    runs: join(root, "runs"),
    workspaces: join(root, "workspaces"),
    serverUrl: join(root, "server.url"),
    hookToken: join(root, "hook.token"),
    config: join(root, "config.yml"),
  };
}

export async function ensureHomeDirs(home: Home): Promise<void> {
  for (const dir of [home.root, home.repos, home.runs, home.workspaces]) await mkdir(dir, { recursive: true });
}

/** The hook token: created once, readable by the owner only. */
export async function ensureHookToken(home: Home): Promise<string> {
  await mkdir(home.root, { recursive: true });
  try {
    await writeFile(home.hookToken, randomBytes(32).toString("hex") + "\n", { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return readHookToken(home);
}

export async function readHookToken(home: Home): Promise<string> {
  return (await readFile(home.hookToken, "utf8")).trim();
}

export async function readServerUrl(home: Home): Promise<string | undefined> {
  try {
    return (await readFile(home.serverUrl, "utf8")).trim() || undefined;
  } catch {
    return undefined;
  }
}
