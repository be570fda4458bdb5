import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assembleCriLines, parseCriLine } from "../../core/logs/cri-line.ts";
import type { LogOptions } from "../../core/ports/run-files.ts";
import { createRedactor } from "../../core/logs/redact.ts";
import { openFsLogWriter } from "../../adapters/logs/fs-log-writer.ts";
import { tempDir } from "../support/temp-dir.ts";

const T = "2026-11-21T10:00:00.000Z";
const SECRET = "hunter2-very-secret";
const redactor = createRedactor([{ name: "token", value: SECRET }]);
const options = (over: Partial<LogOptions> = {}): LogOptions => ({
  redactor,
  capBytes: 10 * 1024 * 1024,
  captureBytes: 1024 * 1024,
  ...over,
});
const bytes = (text: string) => new TextEncoder().encode(text);

async function logFile(): Promise<string> {
  return join(await tempDir("quire-log-"), "sh-1.log");
}

async function lines(path: string): Promise<string[]> {
  const text = await readFile(path, "utf8");
  expect(text.endsWith("\n")).toBe(true);
  return text.slice(0, -1).split("\n");
}

describe("fs log writer", () => {
  it("writes one CRI line per output line and stream, stamped by the clock", async () => {
    const path = await logFile();
    let tick = 0;
    const writer = await openFsLogWriter(path, options(), () => `2026-11-21T10:00:0${tick++}.000Z`);
    await writer.write("stdout", bytes("one\ntw"));
    await writer.write("stderr", bytes("err\n"));
    await writer.write("stdout", bytes("o\nthree"));
    const summary = await writer.close();
    expect(await lines(path)).toEqual([
      "2026-11-21T10:00:00.000Z stdout F one",
      "2026-11-21T10:00:01.000Z stderr F err",
      "2026-11-21T10:00:02.000Z stdout F two",
      "2026-11-21T10:00:03.000Z stdout F three",
    ]);
    expect(summary).toMatchObject({ bytes: 17, lines: 4, redactions: 0, capped: false, truncated: false });
    expect(summary.stdout).toBe("one\ntwo\nthree");
    expect(summary.stderr).toBe("err\n");
  });

  it("redacts a secret split across two chunks at every possible split", async () => {
    for (let at = 1; at < SECRET.length; at += 1) {
      const path = await logFile();
      const writer = await openFsLogWriter(path, options(), () => T);
      await writer.write("stdout", bytes(`token=${SECRET.slice(0, at)}`));
      await writer.write("stdout", bytes(`${SECRET.slice(at)} done\n`));
      const summary = await writer.close();
      const log = await readFile(path, "utf8");
      expect(log).toBe(`${T} stdout F token={{ token }} done\n`);
      expect(summary.redactions).toBe(1);
      expect(summary.stdout).toBe("token={{ token }} done\n");
    }
  });

  it("redacts every line of a multi-line secret, however the output is chunked", async () => {
    const key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG\n9w0BAQEFAASCBKcwggSj\n-----END KEY-----";
    const multi = createRedactor([{ name: "key", value: key }]);
    const output = `key:\n${key}\nend\n`;
    for (const size of [1, 7, 64, output.length]) {
      const path = await logFile();
      const writer = await openFsLogWriter(path, options({ redactor: multi }), () => T);
      for (let i = 0; i < output.length; i += size) await writer.write("stderr", bytes(output.slice(i, i + size)));
      const summary = await writer.close();
      const log = await readFile(path, "utf8");
      for (const line of key.split("\n")) expect(log).not.toContain(line);
      expect(log).toContain("{{ key }}");
      expect(summary.stderr).not.toContain("MIIEvQ");
    }
  });

  it("keeps multi-byte characters whole when a chunk splits them", async () => {
    const path = await logFile();
    const writer = await openFsLogWriter(path, options(), () => T);
    const all = bytes("héllo → wörld\n");
    for (const byte of all) await writer.write("stdout", Uint8Array.of(byte));
    await writer.close();
    expect(await lines(path)).toEqual([`${T} stdout F héllo → wörld`]);
  });

  it("redacts a secret of multi-byte characters wherever a chunk splits its bytes", async () => {
    const secret = "pässwörd→geheim";
    const multi = createRedactor([{ name: "pw", value: secret }]);
    const all = bytes(`pw=${secret}!\n`);
    for (let at = 1; at < all.length; at += 1) {
      const path = await logFile();
      const writer = await openFsLogWriter(path, options({ redactor: multi }), () => T);
      await writer.write("stdout", all.subarray(0, at));
      await writer.write("stdout", all.subarray(at));
      const summary = await writer.close();
      expect(await readFile(path, "utf8")).toBe(`${T} stdout F pw={{ pw }}!\n`);
      expect(summary).toMatchObject({ redactions: 1, stdout: "pw={{ pw }}!\n" });
    }
  });

  it("cuts a long line of multi-byte characters only between characters", async () => {
    const path = await logFile();
    const writer = await openFsLogWriter(path, options(), () => T);
    const long = "é→".repeat(60_000);
    const all = bytes(`${long}\n`);
    for (let i = 0; i < all.length; i += 4093) await writer.write("stdout", all.subarray(i, i + 4093));
    await writer.close();
    const raw = await lines(path);
    expect(raw.filter((l) => parseCriLine(l)?.tag === "P").length).toBeGreaterThan(1);
    for (const line of raw) expect(line).not.toContain("\uFFFD");
    expect(assembleCriLines(raw).map((l) => l.text)).toEqual([long]);
  });

  it("logs the command's bytes as they came and decodes only what it hands back as text", async () => {
    const path = await logFile();
    const writer = await openFsLogWriter(path, options(), () => T);
    await writer.write("stdout", Uint8Array.of(0xff, 0x41, 0x0a));
    const summary = await writer.close();
    expect(await readFile(path)).toEqual(Buffer.concat([Buffer.from(`${T} stdout F `), Buffer.from([0xff, 0x41, 0x0a])]));
    expect(summary.stdout).toBe("\uFFFDA\n");
  });

  it("counts the lines it wrote, also where a secret ending in a newline swallowed one", async () => {
    const trailing = createRedactor([{ name: "key", value: "multi-line\nkey-value\n" }]);
    const path = await logFile();
    const writer = await openFsLogWriter(path, options({ redactor: trailing }), () => T);
    await writer.write("stdout", bytes("a\nb\n\nc"));
    await writer.write("stderr", bytes("key: multi-line\nkey-value\n"));
    await writer.write("stdout", bytes("d\ne\n"));
    const summary = await writer.close();
    const logged = await lines(path);
    expect(logged).toEqual([
      `${T} stdout F a`,
      `${T} stdout F b`,
      `${T} stdout F `,
      `${T} stderr F key: {{ key }}`,
      `${T} stdout F cd`,
      `${T} stdout F e`,
    ]);
    expect(summary).toMatchObject({ lines: logged.length, redactions: 1 });
  });

  it("stops at the cap, says so once, and keeps counting", async () => {
    const path = await logFile();
    const capBytes = 1000;
    const writer = await openFsLogWriter(path, options({ capBytes, captureBytes: 100 }), () => T);
    let sent = 0;
    for (let i = 0; i < 200; i += 1) {
      const chunk = bytes(`line ${i} ${"x".repeat(40)}\n`);
      sent += chunk.byteLength;
      await writer.write(i % 2 ? "stdout" : "stderr", chunk);
    }
    const summary = await writer.close();
    const logged = await lines(path);
    const notes = logged.filter((l) => l.includes("log cap"));
    expect(notes).toHaveLength(1);
    expect(logged.at(-1)).toBe(notes[0]);
    expect(parseCriLine(notes[0] ?? "")?.stream).toBe("stderr");
    expect((await stat(path)).size).toBeLessThanOrEqual(capBytes + (notes[0]?.length ?? 0) + 1);
    expect(summary.capped).toBe(true);
    expect(summary.lines).toBe(logged.length - 1);
    expect(summary.bytes).toBe(sent);
    expect(summary.truncated).toBe(true);
    expect(Buffer.byteLength(summary.stdout)).toBeLessThanOrEqual(100);
  });

  it("writes a line longer than 64 KiB as partial pieces, still redacted at every cut", async () => {
    const path = await logFile();
    const writer = await openFsLogWriter(path, options(), () => T);
    // Secrets at many offsets, so some straddle whatever cut the writer picks.
    const unit = `${"a".repeat(1000)}${SECRET}`;
    const long = unit.repeat(200);
    for (let i = 0; i < long.length; i += 4093) await writer.write("stdout", bytes(long.slice(i, i + 4093)));
    await writer.write("stdout", bytes("\nshort\n"));
    const summary = await writer.close();
    const raw = await lines(path);
    expect(raw.some((l) => parseCriLine(l)?.tag === "P")).toBe(true);
    const log = raw.join("\n");
    expect(log).not.toContain(SECRET.slice(0, 8));
    expect(log).not.toContain(SECRET.slice(-8));
    const logical = assembleCriLines(raw);
    expect(logical.map((l) => l.text)).toEqual([long.replaceAll(SECRET, "{{ token }}"), "short"]);
    expect(summary.redactions).toBe(200);
  });

  it("streams 64 MiB with bounded memory", async () => {
    const path = await logFile();
    const writer = await openFsLogWriter(path, options({ capBytes: 1024 ** 3 }), () => new Date().toISOString());
    const line = `${"build output ".repeat(7)}${SECRET} ok\n`;
    const chunk = bytes(line.repeat(Math.floor(65536 / line.length)));
    const total = 64 * 1024 * 1024;
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const started = performance.now();
    let sent = 0;
    for (let i = 0; sent < total; i += 1) {
      await writer.write("stdout", chunk);
      sent += chunk.byteLength;
      if (i % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const summary = await writer.close();
    const seconds = (performance.now() - started) / 1000;
    const mbps = sent / 1024 / 1024 / seconds;
    console.log(`log writer: ${(sent / 1024 / 1024).toFixed(0)} MiB in ${seconds.toFixed(2)} s = ${mbps.toFixed(0)} MiB/s, rss +${((peak - rssBefore) / 1024 / 1024).toFixed(1)} MiB`);
    expect(summary.bytes).toBe(sent);
    expect(summary.redactions).toBe(summary.lines);
    expect(summary.truncated).toBe(true);
    expect(peak - rssBefore).toBeLessThan(64 * 1024 * 1024);
    expect((await stat(path)).size).toBeGreaterThan(sent);
  });
});
