import { describe, expect, it } from "vitest";
import type { SecretSource } from "../../core/ports/secrets.ts";

export interface SecretFixture {
  /** A source holding `values`, plus `broken`, a secret that is configured but cannot be resolved. */
  source: SecretSource;
  /** Changes a secret's value where it is kept (a rotated file, a new env value). */
  rotate(name: string, value: string): Promise<void>;
  cleanup(): Promise<void>;
}

const VALUES = { "deploy-token": "s3cret-deploy-value", "multi-line": "line one\nline two" };

/** What runs rely on: every configured secret resolves to its value or to an error, fresh for every run. */
export function secretSourceContract(
  name: string,
  make: (values: Record<string, string>, broken: string) => Promise<SecretFixture>,
): void {
  describe(`SecretSource contract: ${name}`, () => {
    it("resolves every configured secret, and names what is wrong with one it cannot resolve", async () => {
      const fixture = await make(VALUES, "broken");
      try {
        const all = await fixture.source.resolveAll();
        expect([...all.keys()].sort()).toEqual(["broken", "deploy-token", "multi-line"]);
        expect(all.get("deploy-token")).toEqual({ ok: true, value: "s3cret-deploy-value" });
        expect(all.get("multi-line")).toEqual({ ok: true, value: "line one\nline two" });
        const broken = all.get("broken");
        expect(broken?.ok).toBe(false);
        if (broken && !broken.ok) expect(broken.error.length).toBeGreaterThan(0);
      } finally {
        await fixture.cleanup();
      }
    });

    it("reads values again on every call, so a rotated secret takes effect for the next run", async () => {
      const fixture = await make(VALUES, "broken");
      try {
        await fixture.rotate("deploy-token", "rotated-value-2");
        expect((await fixture.source.resolveAll()).get("deploy-token")).toEqual({ ok: true, value: "rotated-value-2" });
      } finally {
        await fixture.cleanup();
      }
    });
  });
}
