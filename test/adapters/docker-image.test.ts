import { describe, expect, it } from "vitest";
import { DockerCli } from "../../adapters/executor/docker-cli.ts";
import { BASE, containersOf, docker, run, useDocker } from "../support/docker-fixtures.ts";

const { open, openResult } = useDocker();

describe("docker executor: which image a run gets", () => {
  it("builds .quire/Dockerfile with the workspace as context, tagged quire-ci/<repo-segment>:<run-id>", async () => {
    const opened = await open({ defaultImage: "not-used:latest" }, {
      ".quire/Dockerfile": `FROM ${BASE}\nCOPY marker.txt /baked/marker.txt\n`,
      "marker.txt": "from the workspace\n",
    });
    try {
      expect(opened.tag).toBe(`quire-ci/group-my_repo.git:${opened.runId}`);
      expect((await run(opened.session, ["cat", "/baked/marker.txt"])).stdout).toBe("from the workspace\n");
      expect(await docker(["image", "inspect", "--format", "ok", opened.tag])).toBe("ok");
    } finally {
      await opened.session.close();
    }
    const facts = opened.facts();
    expect(facts.image_tag).toBe(opened.tag);
    const order = ["build_started_at", "build_finished_at", "container_started_at", "container_stopped_at"].map((k) => facts[k] ?? "");
    expect(order.every(Boolean)).toBe(true);
    expect([...order].sort()).toEqual(order);
  });

  it("a Dockerfile that fails is image_build_failed, with docker's own message and build times recorded", async () => {
    const failing = await openResult({}, { ".quire/Dockerfile": `FROM ${BASE}\nRUN echo about to fail && exit 3\n` });
    expect(failing.result).toMatchObject({ ok: false, error: { code: "image_build_failed" } });
    if (failing.result.ok) return;
    expect(failing.result.error.message).toContain("returned a non-zero code: 3");
    expect(failing.result.error.message).not.toContain("DEPRECATED");
    expect(Object.keys(failing.facts()).sort()).toEqual(["build_finished_at", "build_started_at", "image_tag"]);

    const unparsable = await openResult({}, { ".quire/Dockerfile": "FROM quire-base:busybox\nFLY me to the moon\n" });
    expect(unparsable.result).toMatchObject({ ok: false, error: { code: "image_build_failed" } });
    if (!unparsable.result.ok) expect(unparsable.result.error.message.toLowerCase()).toContain("unknown instruction");
  });

  it("without a Dockerfile uses the configured image, and without one of those says no_image", async () => {
    const configured = await open({ defaultImage: BASE });
    try {
      expect(configured.facts().image_tag).toBe(BASE);
      expect((await run(configured.session, ["true"])).exit).toBe(0);
    } finally {
      await configured.session.close();
    }
    const none = await openResult({});
    expect(none.result).toMatchObject({ ok: false, error: { code: "no_image" } });
  });

  it("an image that is not there is container_start_failed, without reaching for a registry", async () => {
    const missing = await openResult({ defaultImage: "quire-test/does-not-exist:1" });
    expect(missing.result).toMatchObject({ ok: false, error: { code: "container_start_failed" } });
    if (!missing.result.ok) expect(missing.result.error.message).toMatch(/No such image|not found|does not exist/i);
  });

  it.each([
    ["through the engine API", new DockerCli()],
    ["through the CLI alone", new DockerCli(undefined, false)],
  ])("a container that is created but cannot start (no sh in the image) is container_start_failed and removed (%s)", async (_how, cli) => {
    const noShell = await openResult({ cli }, { ".quire/Dockerfile": "FROM scratch\nCOPY marker.txt /marker.txt\n", "marker.txt": "x" });
    expect(noShell.result).toMatchObject({ ok: false, error: { code: "container_start_failed" } });
    if (!noShell.result.ok) expect(noShell.result.error.message).toMatch(/sh/);
    expect(await containersOf(noShell.runId)).toEqual([]);
  });

  it("without a docker CLI the executor is unavailable, and says how to get one", async () => {
    const absent = await openResult({ defaultImage: BASE, cli: new DockerCli("/nonexistent/docker") });
    expect(absent.result).toMatchObject({ ok: false, error: { code: "executor_unavailable" } });
    if (!absent.result.ok) expect(absent.result.error.message).toContain("scripts/setup-docker.sh");
  });
});
