import type { IntakeDeps } from "../../core/intake/intake.ts";
import type { Logger } from "../../core/ports/logger.ts";
import type { RunRecord } from "../../core/types.ts";
import { acceptEvent } from "../http/accept-event.ts";
import type { Home } from "./home.ts";
import { listSpool, readSpooled, rejectSpooled, removeSpooled } from "./spool.ts";

export interface SpoolDeliveryDeps {
  home: Home;
  intake: IntakeDeps;
  /** What the server does with runs intake made (queue them, supersede, wake runners). */
  afterCreate: (runs: RunRecord[]) => void;
  logger: Logger;
}

export interface SpoolDelivery {
  /** Delivers every spooled event, oldest first; resolves when the spool is empty or delivery must wait. */
  deliver(why: string): Promise<void>;
}

/**
 * Hands spooled events to intake, in order, each removed only after intake accepted it. A
 * crash between the two leaves the file; delivering it again is harmless, since the event id
 * names its runs and intake finds them made. One pass at a time: a call during a pass asks
 * for one more pass after it, so an event spooled meanwhile is not left for the cron.
 */
export function spoolDelivery(deps: SpoolDeliveryDeps): SpoolDelivery {
  let running: Promise<void> | undefined;
  let again = false;
  const pass = async (why: string): Promise<void> => {
    for (const id of await listSpool(deps.home)) {
      const raw = await readSpooled(deps.home, id);
      if (raw === undefined) continue;
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      if ((body as { event_id?: unknown } | undefined)?.event_id !== id) {
        await reject(id, "not a spooled event (bad JSON or an event id that is not its file name)");
        continue;
      }
      const result = await acceptEvent(deps.intake, body);
      if (result.kind === "invalid") {
        await reject(id, result.error.message);
        continue;
      }
      if (result.kind === "unknown-repo") {
        await reject(id, `no repo named ${result.repo}`);
        continue;
      }
      deps.afterCreate(result.runs);
      await removeSpooled(deps.home, id);
      deps.logger.info(
        { why, event_id: id, runs: result.runs.map((r) => r.meta.run_id), already: result.already.map((r) => r.meta.run_id) },
        "delivered a spooled push event",
      );
    }
  };
  const reject = async (id: string, reason: string) => {
    const kept = await rejectSpooled(deps.home, id);
    deps.logger.warn({ event_id: id, kept, reason }, "spooled push event refused; kept for inspection");
  };
  const loop = async (why: string) => {
    do {
      again = false;
      try {
        await pass(why);
      } catch (error) {
        // Infrastructure (disk, git): the events stay spooled for the next try.
        deps.logger.error({ why, err: error }, "spool delivery failed; will try again");
        return;
      }
    } while (again);
  };
  return {
    deliver(why) {
      if (running) {
        again = true;
        return running;
      }
      running = loop(why).finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}
