/**
 * The sandbox a server (or `quire ci run`) starts with. No sandbox, no run: when bubblewrap
 * is missing or cannot make namespaces, starting fails with one line naming the fix, unless
 * config.yml says `sandbox: off`, which is warned about on every start. Descriptors the
 * server inherited are closed first, so no process it starts gets them.
 */
import type { SandboxIds } from "../../adapters/process/bwrap-args.ts";
import { closeInheritedDescriptors } from "../../adapters/process/inherited-descriptors.ts";
import { probeSandbox } from "../../adapters/process/sandbox-probe.ts";
import { sandboxIds } from "../../adapters/process/sandbox-identity.ts";
import { QuireError } from "../../core/errors.ts";
import type { QuireConfig } from "./config.ts";

export interface SandboxSetup {
  bwrapPath: string;
  /** Who pipelines and host jobs run as; undefined keeps the server's (non-root) uid. */
  ids: SandboxIds | undefined;
}

export const SANDBOX_OFF_WARNING =
  "sandbox: off in config.yml: pipelines run without bubblewrap, so pipeline code can reach sockets (the docker socket included), signal the server, and host jobs run as the server's user with the home readable";

const toStderr = (line: string): void => void process.stderr.write(`quire: warning: ${line}\n`);

/** undefined with `sandbox: off` (after `warn`); throws QuireError "sandbox_unavailable" when there is none. */
export async function sandboxSetup(config: QuireConfig, warn: (line: string) => void = toStderr): Promise<SandboxSetup | undefined> {
  // Before the first process starts: nothing the server inherited reaches a job.
  closeInheritedDescriptors();
  if (config.sandbox === "off") {
    warn(SANDBOX_OFF_WARNING);
    return undefined;
  }
  const ids = sandboxIds(config.host.user);
  const probed = await probeSandbox(ids);
  if (!probed.ok) throw new QuireError("sandbox_unavailable", probed.error);
  return { bwrapPath: probed.value, ids };
}
