import { describe, expect, it } from "vitest";
import { assembleCriLines, formatCriBlock, formatCriLine, parseCriLine } from "../../core/logs/cri-line.ts";

const T = "2026-11-21T10:00:00.123Z";

describe("CRI lines", () => {
  it("formats one line and parses it back", () => {
    const text = formatCriLine({ time: T, stream: "stdout", tag: "F", text: "hello world" });
    expect(text).toBe(`${T} stdout F hello world\n`);
    expect(parseCriLine(text.slice(0, -1))).toEqual({ time: T, stream: "stdout", tag: "F", text: "hello world" });
  });

  it("formats a block of lines with one prefix each", () => {
    expect(formatCriBlock(T, "stderr", "a\n\nb c\n")).toBe(`${T} stderr F a\n${T} stderr F \n${T} stderr F b c\n`);
    expect(formatCriBlock(T, "stderr", "")).toBe("");
  });

  it("accepts RFC3339Nano times with offsets and keeps text verbatim", () => {
    expect(parseCriLine("2026-11-21T10:00:00.123456789+02:00 stderr P  two  spaces\r")).toEqual({
      time: "2026-11-21T10:00:00.123456789+02:00",
      stream: "stderr",
      tag: "P",
      text: " two  spaces\r",
    });
  });

  it("rejects lines that are not CRI", () => {
    expect(parseCriLine("hello")).toBeUndefined();
    expect(parseCriLine(`${T} stdin F x`)).toBeUndefined();
    expect(parseCriLine(`${T} stdout X x`)).toBeUndefined();
    expect(parseCriLine(`yesterday stdout F x`)).toBeUndefined();
  });

  it("joins partial pieces per stream into logical lines", () => {
    const lines = [
      `${T} stdout P abc`,
      `${T} stderr F interleaved`,
      `${T} stdout P def`,
      `${T} stdout F ghi`,
      `not a log line`,
      `${T} stdout P cut short`,
    ];
    expect(assembleCriLines(lines).map((l) => [l.stream, l.text])).toEqual([
      ["stderr", "interleaved"],
      ["stdout", "abcdefghi"],
      ["stdout", "cut short"],
    ]);
  });
});
