import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { z } from "zod";
import { QuireError } from "../../core/errors.ts";

const secretSpec = z.union([
  z.string(),
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);

const configSchema = z
  .object({
    executor: z.enum(["host", "docker"]).default("host"),
    concurrency: z.number().int().min(1).max(64).default(1),
    run_timeout_minutes: z.number().positive().default(60),
    log_cap_mb: z.number().positive().default(100),
    keep_workspaces: z.boolean().default(false),
    pipeline: z.object({ memory_mb: z.number().int().min(32).default(512) }).strict().default({ memory_mb: 512 }),
    docker: z
      .object({
        image: z.string().min(1).optional(),
        cpus: z.number().positive().optional(),
        memory_mb: z.number().int().positive().optional(),
        network: z.boolean().default(false),
      })
      .strict()
      .default({ network: false }),
    // YAML 1.1 readers take `off` for false: both spellings mean the same here.
    sandbox: z.preprocess((value) => (value === false ? "off" : value === true ? "on" : value), z.enum(["on", "off"])).default("on"),
    host: z
      .object({
        user: z.union([z.string().min(1), z.number().int().positive()]).optional(),
        network: z.boolean().default(true),
      })
      .strict()
      .default({ network: true }),
    secrets: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "secret names use letters, digits, . _ -"), secretSpec).default({}),
    gc: z
      .object({ keep_last: z.number().int().min(0).default(20), keep_days: z.number().min(0).default(14) })
      .strict()
      .default({ keep_last: 20, keep_days: 14 }),
  })
  .strict();

/** `<home>/config.yml`; every key is optional and a missing file means all defaults. */
export type QuireConfig = z.infer<typeof configSchema>;
export type SecretSpec = z.infer<typeof secretSpec>;

export function parseConfig(text: string, source = "config.yml"): QuireConfig {
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (cause) {
    throw new QuireError("config_invalid", `${source} is not valid YAML: ${(cause as Error).message}`, { cause });
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
    throw new QuireError("config_invalid", `${source}: ${problems}`);
  }
  return parsed.data;
}

export async function loadConfig(path: string): Promise<QuireConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return parseConfig("");
    throw new QuireError("config_unreadable", `cannot read ${path}`, { cause: error });
  }
  return parseConfig(text, path);
}
