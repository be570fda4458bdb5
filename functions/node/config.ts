import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { parse } from "yaml";
import * as z from "../../core/validation/zod.ts";
import { QuireError } from "../../core/errors.ts";
import { RUN_EVENTS } from "../../core/notify/run-status.ts";
import { MIN_SECRET_LENGTH } from "../../core/logs/redact.ts";
import type { SecretSpec } from "../../adapters/secrets/config-secrets.ts";

const strictWithDefaults = <S extends z.core.$ZodLooseShape>(shape: S, defaults: z.output<z.ZodMiniObject<S, z.core.$strict>>) =>
  z._default(z.strictObject(shape), defaults as never);
const bounded = (min: number, max?: number) => z.number().check(z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)]));
const intIn = (min: number, max?: number) => z.int().check(z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)]));
const positive = () => z.number().check(z.positive());
const matching = (pattern: RegExp, message: string) => z.string().check(z.regex(pattern, message));
const nonEmpty = () => z.string().check(z.minLength(1));

// Parses into the one SecretSpec type the secret source reads (adapters/secrets/config-secrets.ts).
const secretSpec: z.ZodMiniType<SecretSpec> = z.union([
  // Shorter values cannot be redacted from logs without mangling ordinary output.
  z.string().check(z.minLength(MIN_SECRET_LENGTH, `is shorter than ${MIN_SECRET_LENGTH} characters, too short to redact from logs safely`)),
  z.strictObject({ env: nonEmpty() }),
  z.strictObject({ file: nonEmpty() }),
]);

/** Where runs, numbers, the index and logs live: files under the home, or one PostgreSQL for many hosts. */
const storeSpec = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("fs") }),
  z.strictObject({
    kind: z.literal("postgres"),
    url: matching(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
    /** Connections per process. */
    pool: z._default(intIn(2, 100), 10),
  }),
]);

const webhookSpec = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: "a webhook url must be http(s)" }),
  secret: matching(/^[A-Za-z0-9_.-]+$/, "the name of a secret under secrets"),
  events: z._default(z.array(z.enum(RUN_EVENTS)).check(z.minLength(1)), [...RUN_EVENTS]),
});

const configSchema = z.strictObject({
  executor: z._default(z.enum(["host", "docker"]), "host"),
  concurrency: z._default(intIn(1, 64), 1),
  /** Jobs of one run at once; unset means the number of cores (see runner.ts). */
  jobs_per_run: z.optional(intIn(1, 64)),
  // Node timers hold at most 2^31-1 ms (about 24.8 days); longer ones fire at once.
  run_timeout_minutes: z._default(z.number().check(z.positive(), z.maximum(35_791, "must be at most 35791 (about 24.8 days)")), 60),
  log_cap_mb: z._default(positive(), 100),
  keep_workspaces: z._default(z.boolean(), false),
  /** `spare`: keep one sandboxed pipeline child booted for the next run (read at start). */
  pipeline: strictWithDefaults({ memory_mb: z._default(intIn(32), 512), spare: z._default(z.boolean(), true) }, { memory_mb: 512, spare: true }),
  docker: strictWithDefaults(
    {
      image: z.optional(nonEmpty()),
      cpus: z.optional(positive()),
      memory_mb: z.optional(z.int().check(z.positive())),
      network: z._default(z.boolean(), false),
    },
    { network: false },
  ),
  // YAML 1.1 readers take `off` for false: both spellings mean the same here.
  sandbox: z._default(
    z.pipe(
      z.transform((value: unknown) => (value === false ? "off" : value === true ? "on" : value)),
      z.enum(["on", "off"]),
    ),
    "on",
  ),
  host: strictWithDefaults({ user: z.optional(z.union([nonEmpty(), z.int().check(z.positive())])), network: z._default(z.boolean(), true) }, { network: true }),
  secrets: z._default(z.record(matching(/^[A-Za-z0-9_.-]+$/, "secret names use letters, digits, . _ -"), secretSpec), {}),
  store: z._default(storeSpec, { kind: "fs" }),
  /** How runners on other hosts get a commit: `git fetch <clone_url> <sha>`; `{repo}` is replaced by the repo name. */
  source: strictWithDefaults({ clone_url: z.optional(nonEmpty()) }, {}),
  gc: strictWithDefaults({ keep_last: z._default(intIn(0), 20), keep_days: z._default(bounded(0), 14) }, { keep_last: 20, keep_days: 14 }),
  // The unix group hosting users (git, gitolite) join so their pushes reach the server.
  hook_group: z._default(matching(/^[a-z_][a-z0-9_-]{0,31}$/, "a unix group name"), "quire"),
  /** Where people and hooks reach the server, e.g. behind a proxy: `https://ci.example.org/ci/`. */
  public_url: z.optional(
    z
      .url({ protocol: /^https?$/, error: "public_url must be an http(s) URL such as https://ci.example.org/ci/" })
      .check(z.refine((u) => !/[?#]/.test(u), "public_url cannot have a query or a fragment")),
  ),
  /** Proxy addresses (IPs or CIDR ranges) whose X-Forwarded-For / -Proto / user header are believed. */
  trust_proxy: z._default(z.array(z.string().check(z.refine(isAddressOrRange, "an IP address or a CIDR range such as 10.0.0.0/8"))), []),
  auth: strictWithDefaults(
    {
      read: z._default(z.enum(["public", "token"]), "public"),
      proxy_user_header: z.optional(matching(/^[A-Za-z0-9-]+$/, "a header name such as X-Forwarded-User")),
    },
    { read: "public" },
  ),
  /** Seconds between SSE heartbeat comments; proxies drop streams that are silent too long. */
  sse_heartbeat_seconds: z._default(bounded(0.5, 15), 10),
  /** Signed POSTs of run events; `secret` names a secret above. */
  webhooks: z._default(z.array(webhookSpec), []),
  /** Per secret, the hosts a repo's .quire/config.yml may send it to (mirrors, statuses). */
  token_hosts: z._default(z.record(z.string(), z.array(matching(/^[A-Za-z0-9.:[\]-]+$/, "a host or host:port"))), {}),
  outbox: strictWithDefaults(
    {
      retry_base_seconds: z._default(positive(), 10),
      retry_max_seconds: z._default(positive(), 3600),
      give_up_hours: z._default(z.number().check(z.positive(), z.maximum(24 * 30)), 24),
      timeout_seconds: z._default(z.number().check(z.positive(), z.maximum(600)), 10),
    },
    { retry_base_seconds: 10, retry_max_seconds: 3600, give_up_hours: 24, timeout_seconds: 10 },
  ),
});

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
