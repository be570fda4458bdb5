/**
 * The fast reader of meta.yml/state.yml must give exactly what the YAML parser gives, for
 * whatever YAML stringify wrote and for hand-written files: every value below goes through
 * stringify (as quire writes) and is also written plain (as a person might).
 */
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { fastParse, parseFlatYaml, stringifyFlatYaml } from "../../adapters/storage/flat-yaml.ts";

const VALUES: unknown[] = [
  null, true, false, 0, 7, -3, 123456789012345, 1234567890123456789, 1.5, "",
  "refs/heads/main", "refs/heads/feature/x-1", "refs/tags/v1.2.3", "work/foo.git", "group/foo.git",
  "2026-11-21T10:00:00.000Z", "2026-11-21", "0".repeat(40), "1234567", "12e45", "1e5", "0x1F", "0o17", ".inf", "-.inf", ".nan", "+1", "-1", "007", "1_000",
  "3fa85f64a1b2c3d4e5f60718293a4b5c6d7e8f90", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4", "a3f", "1.5", "1.", ".5",
  "0190d2a1-7b3c-7def-8abc-0123456789ab", ".quire/ci.ts", "null", "Null", "~", "true", "False", "yes", "no", "on", "off",
  "job test failed", "job \"test\": failed: exit 1", "a: b", "a #b", "a# b", "trailing ", " leading", "x:", "http://host:8080/x", "-x", "- x",
  "[x]", "{x}", "*x", "&x", "!x", "%x", "@x", "`x", "|", ">", "'q'", "\"q\"", "#c", "?x", "a,b", "f(x)=y", "tab\there", "line\nbreak", "back\\slash",
  "esc\u001b[31m", "rtl\u202Eevil", "émoji 🎉", "{{ token }}", "x".repeat(200), "a  b", "ends with colon:", "::", "a:b:c", "...", "---", ". x", "./x", "..", "1.2.3", "1e", "0x", "0o8", "+", "-", "1-2",
];

const samples = (): string[] => {
  const texts: string[] = [];
  for (const value of VALUES) {
    texts.push(stringify({ key: value, other: "refs/heads/main", n: 3 }));
    if (typeof value === "string" && !value.includes("\n")) texts.push(`key: ${value}\nn: 1\n`);
  }
  return texts;
};

describe("parseFlatYaml", () => {
  it.each(samples())("reads %j as the YAML parser does", (text) => {
    let expected: unknown;
    let threw = false;
    try {
      expected = parse(text);
    } catch {
      threw = true;
    }
    if (threw) expect(() => parseFlatYaml(text)).toThrow();
    else expect(parseFlatYaml(text)).toStrictEqual(expected);
  });

  it("reads the run files quire writes, nested leases and multi-line errors included", () => {
    const meta = { run_id: "0190d2a1-7b3c-7def-8abc-0123456789ab", repo: "group/foo.git", number: 12, sha: "0".repeat(40), ref: "refs/heads/main", old_sha: "3".repeat(40), pushed_at: "2026-11-21T10:00:00.000Z", pipeline: ".quire/ci.ts" };
    const state = { status: "failed", outcome: "errored", created_at: "2026-11-21T10:00:00.000Z", started_at: null, finished_at: "2026-11-21T10:00:01.000Z", error: "pipeline .quire/ci.ts is invalid:\n- job \"x\": a job id must not start with \".\"", lease: { owner: "host:1:abc", expires_at: "2026-11-21T10:00:30.000Z" }, last_job: null };
    for (const record of [meta, state, { ...state, lease: null, error: null }]) {
      const text = stringify(record);
      expect(parseFlatYaml(text)).toStrictEqual(parse(text));
      expect(parseFlatYaml(text)).toStrictEqual(record);
    }
  });

  it("reads a finished run's files without the YAML parser", () => {
    const meta = stringify({ run_id: "0190d2a1-7b3c-7def-8abc-0123456789ab", repo: "foo.git", number: 3, sha: "3fa85f64a1b2c3d4e5f60718293a4b5c6d7e8f90", ref: "refs/heads/main", pushed_at: "2026-11-21T10:00:00.000Z", pipeline: ".quire/ci.ts" });
    const state = stringify({ status: "complete", outcome: "succeeded", created_at: "2026-11-21T10:00:00.000Z", finished_at: "2026-11-21T10:00:01.000Z", error: null, lease: null, last_job: "test" });
    expect(fastParse(meta)).toStrictEqual(parse(meta));
    expect(fastParse(state)).toStrictEqual(parse(state));
  });

  it("keeps YAML's refusal of duplicate keys", () => {
    expect(() => parseFlatYaml("a: 1\na: 2\n")).toThrow();
  });
});

describe("stringifyFlatYaml", () => {
  it.each(VALUES.map((value) => [value]))("writes %j so that YAML and the fast reader both read it back", (value) => {
    const record = { key: value, lease: { owner: "host:1:abc", expires_at: "2026-11-21T10:00:30.000Z" }, last: "x" };
    const text = stringifyFlatYaml(record);
    expect(parse(text)).toStrictEqual(record);
    expect(parseFlatYaml(text)).toStrictEqual(record);
  });

  it("writes a new run's files without the YAML library, and the reader takes them without it", () => {
    const meta = { run_id: "0190d2a1-7b3c-7def-8abc-0123456789ab", repo: "group/foo.git", number: 12, sha: "0".repeat(40), ref: "refs/heads/main", old_sha: "0".repeat(40), pushed_at: "2026-11-21T10:00:00.000Z", pipeline: ".quire/ci.ts", subject: "Fix: the \"thing\" # 2" };
    const state = { status: "pending", outcome: null, created_at: "2026-11-21T10:00:00.000Z", started_at: null, finished_at: null, error: null, lease: null, last_job: null };
    for (const record of [meta, state]) {
      const text = stringifyFlatYaml(record);
      expect(fastParse(text)).toStrictEqual(record);
      expect(parse(text)).toStrictEqual(record);
    }
    expect(stringifyFlatYaml(meta)).toContain('old_sha: "0000');
    expect(stringifyFlatYaml(meta)).toContain("repo: group/foo.git\n");
  });

  it("leaves what it does not template (lists, deeper nesting, fractions, odd keys) to the YAML library", () => {
    for (const record of [{ list: [1, 2] }, { a: { b: { c: 1 } } }, { n: 1.5 }, { "Odd-Key": 1 }, { empty: {} }, { skipped: undefined, kept: 1 }]) {
      expect(parse(stringifyFlatYaml(record))).toStrictEqual(parse(stringify(record)));
    }
  });
});
