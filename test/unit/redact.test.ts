import { describe, expect, it } from "vitest";
import { MIN_SECRET_LENGTH, createRedactor, secretTooShort } from "../../core/logs/redact.ts";

describe("createRedactor", () => {
  it("replaces every occurrence of a value by its name and counts them", () => {
    const redactor = createRedactor([{ name: "token", value: "s3cr3t-value" }]);
    const result = redactor.redact("a s3cr3t-value b s3cr3t-value c");
    expect(result).toEqual({ text: "a {{ token }} b {{ token }} c", count: 2 });
  });

  it("prefers the longest value where two start at the same place", () => {
    const redactor = createRedactor([
      { name: "short", value: "abcdef" },
      { name: "long", value: "abcdefghij" },
    ]);
    expect(redactor.redact("x abcdefghij y abcdef z").text).toBe("x {{ long }} y {{ short }} z");
  });

  it("treats regex characters in values literally", () => {
    const redactor = createRedactor([{ name: "pw", value: "a.b*c(d)$" }]);
    expect(redactor.redact("a.b*c(d)$ aXbbbc(d)").text).toBe("{{ pw }} aXbbbc(d)");
  });

  it("hides a multi-line value whole and each of its long lines alone", () => {
    const key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkq\nhkiG9w0BAQEFAASC\nab\n-----END KEY-----";
    const redactor = createRedactor([{ name: "key", value: key }]);
    expect(redactor.redact(`before\n${key}\nafter`).text).toBe("before\n{{ key }}\nafter");
    // Logs are redacted line by line: each line on its own must be hidden too.
    expect(redactor.redact("line: hkiG9w0BAQEFAASC").text).toBe("line: {{ key }}");
    // Lines too short to hide safely ("ab") are left alone.
    expect(redactor.redact("ab").text).toBe("ab");
  });

  it("reports the longest value in UTF-8 bytes, so streaming keeps enough back", () => {
    const redactor = createRedactor([
      { name: "a", value: "123456" },
      { name: "b", value: "ééééé" },
    ]);
    expect(redactor.maxLength).toBe(10);
  });

  it("is a no-op without secrets and ignores empty values", () => {
    const redactor = createRedactor([{ name: "empty", value: "" }]);
    expect(redactor.maxLength).toBe(0);
    expect(redactor.redact("anything")).toEqual({ text: "anything", count: 0 });
  });
});

describe("secretTooShort", () => {
  it("refuses values below the minimum length", () => {
    expect(MIN_SECRET_LENGTH).toBe(6);
    expect(secretTooShort("12345")).toBe(true);
    expect(secretTooShort("123456")).toBe(false);
  });
});
