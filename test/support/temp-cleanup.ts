import { afterAll } from "vitest";
import { removeTempDirs } from "./temp-dir.ts";

// Registered before any hook of the test file, so it runs after all of them ("stack" order):
// the servers a file started are stopped before their homes go.
afterAll(removeTempDirs);
