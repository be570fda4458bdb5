// An esbuild plugin for scripts/build.mjs: @hono/node-server without loading undici at start.
//
// Node's Request, Response and Headers globals are getters that load its bundled undici on
// first touch, some 35-50 ms of CPU and 9 MB; @hono/node-server touches them as its module
// loads (its lightweight Request extends the global one, its Response inherits from it) and
// again on every response (`instanceof Headers`). The lightweight classes only need the
// real ones when a handler reads a body, builds a real Response, or asks for headers; until
// then no instance of them exists. These edits make those touches lazy, and leave every
// behaviour as it was:
//   - the base classes are stand-ins that load the real class on the first instance
//     (scripts/lazy-web-class.mjs) and then inherit from it;
//   - the check before setting the globals reads the property instead of its getter;
//   - a response's headers given as an object literal (what Hono passes for c.json() and
//     c.text() with no header set) are known not to be a Headers before asking the global.
// Each edit must match exactly once: a changed @hono/node-server fails the build here
// instead of quietly loading undici again.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const HELPER = fileURLToPath(new URL("./lazy-web-class.mjs", import.meta.url));

const EDITS = [
  ["var GlobalRequest = global.Request;", 'var GlobalRequest = __quireLazyWebClass("Request");'],
  ["var GlobalResponse = global.Response;", 'var GlobalResponse = __quireLazyWebClass("Response");'],
  [
    "options.overrideGlobalObjects !== false && global.Request !== Request",
    'options.overrideGlobalObjects !== false && Object.getOwnPropertyDescriptor(global, "Request")?.value !== Request',
  ],
  ["} else if (header instanceof Headers) {", "} else if (!__quireIsPlainObject(header) && header instanceof Headers) {"],
];

export const nodeServerLazy = {
  name: "node-server-lazy",
  setup(build) {
    build.onLoad({ filter: /[\\/]@hono[\\/]node-server[\\/]dist[\\/]index\.mjs$/ }, async (args) => {
      let source = await readFile(args.path, "utf8");
      for (const [from, to] of EDITS) {
        const count = source.split(from).length - 1;
        if (count !== 1) throw new Error(`${args.path}: expected ${JSON.stringify(from)} once, found it ${count} times; update scripts/node-server-lazy.mjs`);
        source = source.replace(from, () => to);
      }
      const helper = `import { lazyWebClass as __quireLazyWebClass, isPlainObject as __quireIsPlainObject } from ${JSON.stringify(HELPER)};\n`;
      return { contents: helper + source, loader: "js" };
    });
  },
};
