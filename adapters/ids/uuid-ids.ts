import { v7 } from "uuid";
import type { Ids } from "../../core/ports/clock-ids.ts";

export const uuidIds: Ids = { runId: () => v7() };
