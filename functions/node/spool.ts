import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../adapters/storage/atomic-write.ts";
import { EVENT_ID } from "../../core/intake/event-run-id.ts";
import type { Home } from "./home.ts";
import { spoolDir } from "./home-access.ts";

/** An event the hook could not deliver, as it would have posted it. */
export interface SpooledEvent {
  event_id: string;
  [key: string]: unknown;
}

const NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;

/** Where events the server refused for good are kept for a person to look at. */
export const rejectedDir = (home: Home) => join(spoolDir(home), "rejected");

/**
 * Writes one event to `<home>/spool/<event_id>.json` whole or not at all (temp file, fsync,
 * rename): the server never reads half an event. Returns the path.
 */
export async function spoolEvent(home: Home, event: SpooledEvent): Promise<string> {
  if (!EVENT_ID.test(event.event_id)) throw new Error(`not an event id: ${event.event_id}`);
  const dir = spoolDir(home);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${event.event_id}.json`);
  await writeFileAtomic(path, JSON.stringify(event) + "\n");
  return path;
}

/** Spooled event ids, oldest first (v7 ids sort by the hook's clock); temp files are not listed. */
export async function listSpool(home: Home): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(spoolDir(home));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names.flatMap((name) => NAME.exec(name)?.[1] ?? []).sort();
}

/** The event as spooled; `undefined` when another delivery already removed it. */
export async function readSpooled(home: Home, id: string): Promise<string | undefined> {
  try {
    return await readFile(join(spoolDir(home), `${id}.json`), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export async function removeSpooled(home: Home, id: string): Promise<void> {
  await rm(join(spoolDir(home), `${id}.json`), { force: true });
}

/** Moves an event the server will never accept out of the way, keeping it for a person. */
export async function rejectSpooled(home: Home, id: string): Promise<string> {
  await mkdir(rejectedDir(home), { recursive: true });
  const target = join(rejectedDir(home), `${id}.json`);
  await rename(join(spoolDir(home), `${id}.json`), target);
  return target;
}
