// Bundled into @hono/node-server by scripts/node-server-lazy.mjs (see there for why).

/** Response's static methods (the WHATWG fetch standard's: error, json, redirect). */
const STATICS = { Request: [], Response: ["error", "json", "redirect"] };

/**
 * A stand-in for the global `Request` or `Response` class that loads Node's fetch
 * implementation (undici) only when an instance is first built. A class that extends it
 * gets real instances (the real constructor runs with the subclass as new.target, as
 * `super()` does), and from then on the stand-in inherits from the real class, so its
 * prototype chain is the one `extends` would have made.
 */
export function lazyWebClass(name) {
  // Node defines these as getters that load undici; the getter is kept, not called.
  const own = Object.getOwnPropertyDescriptor(globalThis, name);
  let real;
  const load = () => {
    if (real === undefined) {
      real = own?.get ? own.get.call(globalThis) : own?.value;
      Object.setPrototypeOf(Lazy.prototype, real.prototype);
      Object.setPrototypeOf(Lazy, real);
    }
    return real;
  };
  const Lazy = class {
    constructor(...args) {
      const Real = load();
      return Reflect.construct(Real, args, new.target === Lazy ? Real : new.target);
    }
  };
  Object.defineProperty(Lazy, "name", { value: name });
  for (const key of STATICS[name]) {
    Object.defineProperty(Lazy, key, {
      configurable: true,
      writable: true,
      value: function (...args) {
        return load()[key](...args);
      },
    });
  }
  return Lazy;
}

/** An object literal's prototype: such a value is never a Headers. */
export function isPlainObject(value) {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
