import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { StorageError } from "../../core/errors.ts";
import type { Delivery } from "../../core/outbox/delivery.ts";
import type { OutboxStore } from "../../core/ports/outbox.ts";
import { TEMP_MARK, tempWriterGone, writeFileAtomic } from "../storage/atomic-write.ts";

const ID = /^[0-9a-f-]{36}$/;

/** `<home>/outbox/<delivery-id>.json`, each written atomically (temp file, fsync, rename). */
export class FsOutboxStore implements OutboxStore {
  constructor(readonly dir: string) {}

  async put(delivery: Delivery): Promise<void> {
    if (!ID.test(delivery.id)) throw new StorageError("outbox_bad_id", `not a delivery id: ${delivery.id}`);
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(this.path(delivery.id), JSON.stringify(delivery, null, 2) + "\n");
    } catch (cause) {
      throw new StorageError("outbox_write_failed", `cannot write delivery ${delivery.id} in ${this.dir}`, { cause });
    }
  }

  async get(id: string): Promise<Delivery | undefined> {
    if (!ID.test(id)) return undefined;
    return this.read(this.path(id));
  }

  async remove(id: string): Promise<void> {
    if (!ID.test(id)) return;
    try {
      await rm(this.path(id), { force: true });
    } catch (cause) {
      throw new StorageError("outbox_write_failed", `cannot remove delivery ${id} in ${this.dir}`, { cause });
    }
  }

  async list(): Promise<Delivery[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new StorageError("outbox_unreadable", `cannot list ${this.dir}`, { cause });
    }
    // A temp file whose writer died is a write that never happened; the record is as it was before.
    for (const name of names.filter((n) => n.includes(TEMP_MARK) && tempWriterGone(n))) await rm(join(this.dir, name), { force: true });
    const files = names.filter((n) => n.endsWith(".json") && !n.includes(TEMP_MARK) && ID.test(n.slice(0, -5)));
    const found = await Promise.all(files.map((n) => this.read(join(this.dir, n))));
    return found.filter((d): d is Delivery => d !== undefined);
  }

  private path(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  private async read(path: string): Promise<Delivery | undefined> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new StorageError("outbox_unreadable", `cannot read ${path}`, { cause });
    }
    try {
      return JSON.parse(text) as Delivery;
    } catch (cause) {
      // Writes are atomic, so this is a file someone edited by hand; it is not ours to guess at.
      throw new StorageError("outbox_corrupt", `${path} is not valid JSON`, { cause });
    }
  }
}
