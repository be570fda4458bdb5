import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { parse } from "yaml";
// A namespace import lets the bundler drop the parts of zod this file does not use.
import * as z from "zod";
import { QuireError } from "../../core/errors.ts";
import { RUN_EVENTS } from "../../core/notify/run-status.ts";
import { MIN_SECRET_LENGTH } from "../../core/logs/redact.ts";
import type { SecretSpec } from "../../adapters/secrets/config-secrets.ts";

// Parses into the one SecretSpec type the secret source reads (adapters/secrets/config-secrets.ts).
const secretSpec: z.ZodType<SecretSpec> = z.union([
  // Shorter values cannot be redacted from logs without mangling ordinary output.
  z.string().min(MIN_SECRET_LENGTH, `is shorter than ${MIN_SECRET_LENGTH} characters, too short to redact from logs safely`),
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);

/** Where runs, numbers, the index and logs live: files under the home, or one PostgreSQL for many hosts. */
const storeSpec = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("fs") }).strict(),
  z
    .object({
      kind: z.literal("postgres"),
      url: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
      /** Connections per process. */
      pool: z.number().int().min(2).max(100).default(10),
    })
    .strict(),
]);

const webhookSpec = z
  .object({
    url: z.url({ protocol: /^https?$/, error: "a webhook url must be http(s)" }),
    secret: z.string().regex(/^[A-Za-z0-9_.-]+$/, "the name of a secret under secrets"),
    events: z.array(z.enum(RUN_EVENTS)).min(1).default([...RUN_EVENTS]),
  })
  .strict();

const configSchema = z
  .object({
    executor: z.enum(["host", "docker"]).default("host"),
    concurrency: z.number().int().min(1).max(64).default(1),
    /** Jobs of one run at once; unset means the number of cores (see runner.ts). */
    jobs_per_run: z.number().int().min(1).max(64).optional(),
    // Node timers hold at most 2^31-1 ms (about 24.8 days); longer ones fire at once.
    run_timeout_minutes: z.number().positive().max(35_791, "must be at most 35791 (about 24.8 days)").default(60),
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
    store: storeSpec.default({ kind: "fs" }),
    /** How runners on other hosts get a commit: `git fetch <clone_url> <sha>`; `{repo}` is replaced by the repo name. */
    source: z
      .object({ clone_url: z.string().min(1).optional() })
      .strict()
      .default({}),
    gc: z
      .object({ keep_last: z.number().int().min(0).default(20), keep_days: z.number().min(0).default(14) })
      .strict()
      .default({ keep_last: 20, keep_days: 14 }),
    // The unix group hosting users (git, gitolite) join so their pushes reach the server.
    hook_group: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "a unix group name").default("quire"),
    /** Where people and hooks reach the server, e.g. behind a proxy: `https://ci.example.org/ci/`. */
    public_url: z
      .url({ protocol: /^https?$/, error: "public_url must be an http(s) URL such as https://ci.example.org/ci/" })
      .refine((u) => !/[?#]/.test(u), "public_url cannot have a query or a fragment")
      .optional(),
    /** Proxy addresses (IPs or CIDR ranges) whose X-Forwarded-For / -Proto / user header are believed. */
    trust_proxy: z.array(z.string().refine(isAddressOrRange, "an IP address or a CIDR range such as 10.0.0.0/8")).default([]),
    auth: z
      .object({
        read: z.enum(["public", "token"]).default("public"),
        proxy_user_header: z.string().regex(/^[A-Za-z0-9-]+$/, "a header name such as X-Forwarded-User").optional(),
      })
      .strict()
      .default({ read: "public" }),
    /** Seconds between SSE heartbeat comments; proxies drop streams that are silent too long. */
    sse_heartbeat_seconds: z.number().min(0.5).max(15).default(10),
    /** Signed POSTs of run events; `secret` names a secret above. */
    webhooks: z.array(webhookSpec).default([]),
    /** Per secret, the hosts a repo's .quire/config.yml may send it to (mirrors, statuses). */
    token_hosts: z.record(z.string(), z.array(z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, "a host or host:port"))).default({}),
    outbox: z
      .object({
        retry_base_seconds: z.number().positive().default(10),
        retry_max_seconds: z.number().positive().default(3600),
        give_up_hours: z.number().positive().max(24 * 30).default(24),
        timeout_seconds: z.number().positive().max(600).default(10),
      })
      .strict()
      .default({ retry_base_seconds: 10, retry_max_seconds: 3600, give_up_hours: 24, timeout_seconds: 10 }),
  })
  .strict();

function isAddressOrRange(value: string): boolean {
  const [address = "", bits, ...rest] = value.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** `<home>/config.yml`; every key is optional and a missing file means all defaults. */
export type QuireConfig = z.infer<typeof configSchema>;
export type { SecretSpec };
export type StoreSpec = z.infer<typeof storeSpec>;

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
  const config = parseConfig(text, path);
  await checkSecretLengths(config, path);
  return config;
}

/**
 * Secrets from the environment or a file are checked at load as well when they can be read
 * now; one that cannot (a file that appears later) is still checked when a run resolves it.
 */
async function checkSecretLengths(config: QuireConfig, source: string): Promise<void> {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(config.secrets)) {
    if (typeof spec === "string") continue;
    const value = "env" in spec ? process.env[spec.env] : await readFile(spec.file, "utf8").then((t) => t.replace(/\r?\n$/, ""), () => undefined);
    if (value !== undefined && value.length < MIN_SECRET_LENGTH) {
      const from = "env" in spec ? `environment variable ${spec.env}` : spec.file;
      problems.push(`secrets.${name}: the value in ${from} is shorter than ${MIN_SECRET_LENGTH} characters, too short to redact from logs safely`);
    }
  }
  if (problems.length > 0) throw new QuireError("config_invalid", `${source}: ${problems.join("; ")}`);
}
