import { IMAGE_PREFIX } from "../../core/names/image-tag.ts";
import type { GcItem } from "../../core/maintenance/gc-plan.ts";
import { err, ok, type Result } from "../../core/result.ts";
import { DockerCli, type DockerFailure } from "../executor/docker-cli.ts";
import { SCOPE_LABEL } from "../executor/docker-executor.ts";

/**
 * The images quire built for runs of one home: tags under `quire-ci/`, one per run, labelled
 * with the home's scope. Another home's images on the same engine are never listed.
 */
export class RunImages {
  constructor(
    private readonly cli = new DockerCli(),
    private readonly scope?: string,
  ) {}

  async list(): Promise<Result<GcItem[], DockerFailure>> {
    const filter = this.scope === undefined ? [] : ["--filter", `label=${SCOPE_LABEL}=${this.scope}`];
    const listed = await this.cli.run(
      ["images", ...filter, "--format", "{{.Repository}}\t{{.Tag}}\t{{.CreatedAt}}", `${IMAGE_PREFIX}*`],
      { timeoutMs: 60_000 },
    );
    if (!listed.ok) return listed;
    const items: GcItem[] = [];
    for (const line of listed.value.split("\n")) {
      const [repository, tag, created] = line.split("\t");
      if (!repository?.startsWith(IMAGE_PREFIX) || !tag || tag === "<none>" || !created) continue;
      const createdAt = isoFromDocker(created);
      if (createdAt === undefined) continue; // an unreadable date never makes an image look old
      items.push({
        kind: "image",
        ref: `${repository}:${tag}`,
        group: repository.slice(IMAGE_PREFIX.length),
        createdAt,
        runId: tag,
      });
    }
    return ok(items);
  }

  /** Untags the run's image; the layers go when no other tag or container uses them. */
  async remove(ref: string): Promise<Result<void, string>> {
    const removed = await this.cli.run(["image", "rm", ref], { timeoutMs: 60_000 });
    if (removed.ok || /No such image/i.test(removed.error.message)) return ok(undefined);
    return err(removed.error.message);
  }
}

/** `2026-11-21 23:47:04 +0000 UTC` (docker's CreatedAt) as an ISO string. */
export function isoFromDocker(created: string): string | undefined {
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.\d+)? ([+-]\d\d)(\d\d)/.exec(created.trim());
  if (!match) return undefined;
  const parsed = Date.parse(`${match[1]}T${match[2]}${match[3]}:${match[4]}`);
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}
