import { Command, InvalidArgumentError } from "commander";
import type { GcReport } from "../../adapters/gc/collect-garbage.ts";
import type { GcItem } from "../../core/maintenance/gc-plan.ts";
import { parseRepoName } from "../../core/names/repo-name.ts";
import { loadConfig } from "../node/config.ts";
import { resolveHome } from "../node/home.ts";
import { wireHome } from "../node/wire-home.ts";
import { homeOption } from "./options.ts";

interface GcFlags {
  home?: string;
  keep?: number;
  days?: number;
  repo?: string;
  dryRun?: boolean;
}

/**
 * Run images and leftover workspaces pile up; retention keeps the newest per repo and
 * anything recent (config `gc.keep_last`, `gc.keep_days`; the flags override them).
 */
export function gcCommand(): Command {
  return new Command("gc")
    .description("remove run images (quire-ci/*) and leftover workspaces beyond retention")
    .option(...homeOption)
    .option("--keep <n>", "keep the newest n per repo (default: config gc.keep_last)", parseCount)
    .option("--days <d>", "keep anything younger than d days (default: config gc.keep_days)", parseDays)
    .option("--repo <name>", "only this repo's images and workspaces")
    .option("--dry-run", "say what would be removed, remove nothing")
    .action(async (flags: GcFlags) => {
      const home = resolveHome(flags.home);
      const config = await loadConfig(home.config);
      const repo = flags.repo === undefined ? undefined : parseRepoName(flags.repo);
      if (repo && !repo.ok) {
        process.stderr.write(`quire: ${repo.error.message}\n`);
        process.exitCode = 2;
        return;
      }
      // The docker client loads only for the command that talks to docker.
      const [{ collectGarbage }, { RunImages }] = await Promise.all([import("../../adapters/gc/collect-garbage.ts"), import("../../adapters/gc/run-images.ts")]);
      // The home's store says which runs are live, whether runs live in files or in PostgreSQL.
      const deps = await wireHome(home, config);
      const report = await collectGarbage(
        { store: deps.store, clock: deps.clock, workspacesRoot: home.workspaces, images: new RunImages(undefined, home.root) },
        {
          keepLast: flags.keep ?? config.gc.keep_last,
          keepDays: flags.days ?? config.gc.keep_days,
          dryRun: flags.dryRun === true,
          ...(repo?.ok ? { repo: repo.value } : {}),
        },
      ).finally(() => deps.close());
      printReport(report, flags.dryRun === true);
      if (report.imagesSkipped !== undefined) {
        process.stderr.write(`quire: images not collected: ${report.imagesSkipped}\n`);
        // Only a docker install is expected to have docker; a host-only one has no images to collect.
        if (config.executor === "docker") process.exitCode = 1;
      }
      if (report.failed.length > 0) process.exitCode = 1;
    });
}

function printReport(report: GcReport, dryRun: boolean): void {
  const verb = dryRun ? "would remove" : "removed";
  for (const item of report.removed) process.stdout.write(`${verb} ${describe(item)}\n`);
  for (const { item, error } of report.failed) process.stderr.write(`quire: could not remove ${describe(item)}: ${error}\n`);
  const count = (kind: GcItem["kind"]) => report.removed.filter((item) => item.kind === kind).length;
  process.stdout.write(
    `gc: ${verb} ${count("image")} image(s) and ${count("workspace")} workspace(s); kept ${report.kept.length}` +
      (report.failed.length > 0 ? `; ${report.failed.length} failed` : "") +
      "\n",
  );
}

function describe(item: GcItem): string {
  return `${item.kind} ${item.ref}`;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number, 0 or more");
  return n;
}

function parseDays(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("must be a number of days, 0 or more");
  return n;
}
