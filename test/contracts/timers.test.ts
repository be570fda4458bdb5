import { setTimeout as sleep } from "node:timers/promises";
import { FakeTimers } from "../../adapters/clock/fake-timers.ts";
import { nodeTimers } from "../../adapters/clock/node-timers.ts";
import { timersContract } from "./timers.contract.ts";

timersContract("node", () => ({ timers: nodeTimers, pass: (ms) => sleep(ms) }));
timersContract("fake", () => {
  const timers = new FakeTimers();
  return { timers, pass: async (ms) => timers.advance(ms) };
});
