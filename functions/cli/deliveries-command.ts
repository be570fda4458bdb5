import { Command } from "commander";
import { homeOption } from "./options.ts";
import { out, printTable } from "./runs-command.ts";
import { action, connect } from "./server-api.ts";

/** `quire deliveries list|show|redeliver`: the outbox of the running server. */
export function deliveriesCommand(): Command {
  const deliveries = new Command("deliveries").description("webhook, commit status and mirror deliveries of the running server, and redelivery");
  deliveries
    .command("list")
    .description("deliveries newest first, with their state and last response")
    .option(...homeOption)
    .option("--run <run>", "only this run's (run id, <repo>#<number>, sha or <repo>@<ref>)")
    .option("--status <status>", "pending, in-flight, delivered, failed or superseded")
    .option("--limit <n>", "at most this many (1-1000, default 100)")
    .option("--json", "print the API response")
    .action(
      action(async (home, opts: { run?: string; status?: string; limit?: string; json?: boolean }) => {
        const { run, status, limit } = opts;
        const page = await (await connect(home)).listDeliveries({ run: run || undefined, status: status || undefined, limit: limit || undefined });
        if (opts.json) return out(JSON.stringify(page, null, 2));
        if (page.deliveries.length === 0) return out("no deliveries");
        const rows = page.deliveries.map((d) => [d.id, d.status, String(d.attempts), d.updated_at, d.summary, d.last?.message ?? "-"]);
        printTable(["ID", "STATUS", "TRIES", "UPDATED", "WHAT", "LAST RESPONSE"], rows);
      }),
    );
  deliveries
    .command("show")
    .description("one delivery, with its target and last response")
    .argument("<id>", "delivery id (X-Quire-Delivery for webhooks)")
    .option(...homeOption)
    .action(
      action(async (home, id: string) => {
        out(JSON.stringify(await (await connect(home)).getDelivery(id), null, 2));
      }),
    );
  deliveries
    .command("redeliver")
    .description("attempt a delivery again, under the same id, with a fresh 24 h retry window")
    .argument("<id>", "delivery id")
    .option(...homeOption)
    .option("--json", "print the API response")
    .action(
      action(async (home, id: string, opts: { json?: boolean }) => {
        const shown = await (await connect(home)).redeliver(id);
        if (opts.json) return out(JSON.stringify(shown, null, 2));
        out(`queued ${shown.id} again: ${shown.summary}`);
      }),
    );
  return deliveries;
}
