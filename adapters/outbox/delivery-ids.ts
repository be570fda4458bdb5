import { v5 } from "uuid";
import type { DeliveryIds } from "../../core/ports/outbox.ts";

/** A fixed namespace for quire's name-based UUIDs. */
const NAMESPACE = "0b6f3c1e-6a2d-5b8e-9c1f-2d7a4e5b6c70";

/** UUIDv5 of the key: the same event for the same target gets the same delivery id, after a restart too. */
export const deliveryIds: DeliveryIds = (key) => v5(key, NAMESPACE);
