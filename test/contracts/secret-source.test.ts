import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { configSecrets, type SecretSpec } from "../../adapters/secrets/config-secrets.ts";
import { secretSourceContract } from "./secret-source.contract.ts";
import { tempDir } from "../support/temp-dir.ts";

// One source, three ways config.yml can keep a secret: each kind meets the same contract.

secretSourceContract("config: files", async (values, broken) => {
  const dir = await tempDir("quire-secrets-");
  const specs: Record<string, SecretSpec> = { [broken]: { file: join(dir, "no-such-file") } };
  for (const [name, value] of Object.entries(values)) {
    await writeFile(join(dir, name), value + "\n");
    specs[name] = { file: join(dir, name) };
  }
  return {
    source: configSecrets(specs),
    rotate: (name, value) => writeFile(join(dir, name), value + "\n"),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

secretSourceContract("config: environment", async (values, broken) => {
  const env: NodeJS.ProcessEnv = {};
  const specs: Record<string, SecretSpec> = { [broken]: { env: "QUIRE_TEST_UNSET" } };
  for (const [name, value] of Object.entries(values)) {
    env[`QUIRE_TEST_${name}`] = value;
    specs[name] = { env: `QUIRE_TEST_${name}` };
  }
  return {
    source: configSecrets(specs, env),
    rotate: async (name, value) => void (env[`QUIRE_TEST_${name}`] = value),
    cleanup: async () => undefined,
  };
});

secretSourceContract("config: literals", async (values, broken) => {
  // A literal cannot be broken, so the broken one is an env spec; rotating a literal is a config reload.
  const specs: Record<string, SecretSpec> = { ...values, [broken]: { env: "QUIRE_TEST_UNSET" } };
  return {
    source: { resolveAll: () => configSecrets(specs, {}).resolveAll() },
    rotate: async (name, value) => void (specs[name] = value),
    cleanup: async () => undefined,
  };
});
