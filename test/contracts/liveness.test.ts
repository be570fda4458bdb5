import { spawn } from "node:child_process";
import { once } from "node:events";
import { hostname } from "node:os";
import { processLiveness } from "../../adapters/liveness/process-liveness.ts";
import { fixedLiveness } from "../support/fixed-liveness.ts";
import { livenessContract } from "./liveness.contract.ts";

/** The pid of a real process that has exited. */
async function goneProcess(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  await once(child, "exit");
  if (child.pid === undefined) throw new Error("the child never started");
  return child.pid;
}

livenessContract("process", async () => ({
  liveness: processLiveness(),
  // The test runner's parent process lives as long as this test does.
  aliveOwner: `${hostname()}:${process.ppid}:parent`,
  deadOwner: `${hostname()}:${await goneProcess()}:gone`,
}));

let instance = 0;
livenessContract("fixed (tests)", async () => {
  const self = `test:${++instance}`;
  return { liveness: fixedLiveness(self, ["other:1"]), aliveOwner: "other:1", deadOwner: "other:2" };
});
