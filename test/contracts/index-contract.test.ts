import { makeRig } from "../support/index-fixtures.ts";
import { runIndexContract } from "./index.contract.ts";

runIndexContract("memory", () => makeRig("memory"));
runIndexContract("fs", () => makeRig("fs"));
