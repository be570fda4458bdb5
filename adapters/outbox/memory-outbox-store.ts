import type { Delivery } from "../../core/outbox/delivery.ts";
import type { OutboxStore } from "../../core/ports/outbox.ts";

/** Keeps copies, so a caller mutating its object cannot change what was stored. */
export class MemoryOutboxStore implements OutboxStore {
  private readonly records = new Map<string, string>();

  async put(delivery: Delivery): Promise<void> {
    this.records.set(delivery.id, JSON.stringify(delivery));
  }

  async get(id: string): Promise<Delivery | undefined> {
    const text = this.records.get(id);
    return text === undefined ? undefined : (JSON.parse(text) as Delivery);
  }

  async remove(id: string): Promise<void> {
    this.records.delete(id);
  }

  async list(): Promise<Delivery[]> {
    return [...this.records.values()].map((text) => JSON.parse(text) as Delivery);
  }
}
