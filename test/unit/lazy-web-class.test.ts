import { describe, expect, it } from "vitest";
// @ts-expect-error: a build helper in plain JavaScript, without declarations
import { isPlainObject, lazyWebClass } from "../../scripts/lazy-web-class.mjs";

type Constructor = new (...args: unknown[]) => object;

describe("lazyWebClass (the base @hono/node-server's classes get in dist/)", () => {
  it("gives a subclass real instances, with the subclass's own prototype and the real class's behaviour", async () => {
    const Base = lazyWebClass("Request") as Constructor;
    class Sub extends Base {
      marked = true;
    }
    const request = new Sub("http://example.test/a", { method: "POST", body: "hi" }) as Request & { marked: boolean };
    expect(request).toBeInstanceOf(Sub);
    expect(request).toBeInstanceOf(Request);
    expect(request.marked).toBe(true);
    expect(request.method).toBe("POST");
    expect(await request.text()).toBe("hi");
    expect(Object.getPrototypeOf(Base.prototype)).toBe(Request.prototype);
    expect(Object.getPrototypeOf(Base)).toBe(Request);
  });

  it("builds the real class itself when constructed directly, and answers the real class's static methods", async () => {
    const Base = lazyWebClass("Response") as Constructor & { json(data: unknown, init?: ResponseInit): Response; redirect(url: string, status?: number): Response };
    const direct = new Base("body", { status: 201 }) as Response;
    expect(Object.getPrototypeOf(direct)).toBe(Response.prototype);
    expect(direct.status).toBe(201);
    expect(await direct.text()).toBe("body");
    const json = Base.json({ a: 1 }, { status: 202 });
    expect(json.status).toBe(202);
    expect(json.headers.get("content-type")).toBe("application/json");
    expect(await json.json()).toEqual({ a: 1 });
    expect(Base.redirect("http://example.test/b", 307).headers.get("location")).toBe("http://example.test/b");
    expect(Base.name).toBe("Response");
  });

  it("tells object literals from Headers and other objects", () => {
    expect(isPlainObject({ "content-type": "text/plain" })).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject(new Headers())).toBe(false);
    expect(isPlainObject([["a", "b"]])).toBe(false);
  });
});
