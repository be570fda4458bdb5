import { describe, expect, it } from "vitest";
import { plainServeArgs } from "../../functions/cli/serve-args.ts";
import { serveCommand } from "../../functions/cli/serve-command.ts";

/** What commander hands the action for the same arguments. */
function commanderOpts(args: string[]): unknown {
  const command = serveCommand().exitOverride();
  let seen: unknown;
  command.action((opts) => {
    seen = opts;
  });
  command.parse(args, { from: "user" });
  return seen;
}

describe("plainServeArgs (quire serve's start without commander)", () => {
  it("takes plain arguments exactly as commander would", () => {
    const cases = [
      [],
      ["--home", "/srv/quire", "--port", "0"],
      ["--port=9000", "--host=0.0.0.0"],
      ["--public-url", "https://ci.example.org/ci/", "--no-runner"],
      ["--host", "::1", "--home=relative/dir", "--port", "65535", "--public-url=http://h:8080/"],
    ];
    for (const args of cases) expect(plainServeArgs(args), args.join(" ")).toEqual(commanderOpts(args));
  });

  it("leaves help, unknown, repeated and refused arguments to commander", () => {
    for (const args of [
      ["--help"],
      ["-h"],
      ["--bogus"],
      ["--runner"],
      ["--no-runner=1"],
      ["extra"],
      ["--port", "0", "--port", "1"],
      ["--port", "99999"],
      ["--port", "x"],
      ["--port"],
      ["--home", "--port", "0"],
      ["--port="],
      ["--public-url", "ftp://x/"],
      ["--public-url", "https://h/?q=1"],
      ["--", "--port", "0"],
    ]) {
      expect(plainServeArgs(args), args.join(" ")).toBeUndefined();
    }
  });
});
