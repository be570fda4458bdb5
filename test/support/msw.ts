import { setupServer, type SetupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";

/**
 * An msw server for this test file: listening before its tests, handlers reset after each,
 * closed at the end; a request no handler answers fails the test.
 */
export function mockHttp(): SetupServer {
  const mock = setupServer();
  beforeAll(() => mock.listen({ onUnhandledRequest: "error" }));
  afterEach(() => mock.resetHandlers());
  afterAll(() => mock.close());
  return mock;
}
