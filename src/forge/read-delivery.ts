import type { IngestItem } from "../core/index.js";
import type { ForgeAdapter } from "./forge-adapter.js";
import { forgeRegistry, type ForgeRegistry } from "./registry.js";

/** A recorded delivery as far as reading it goes. */
export interface DeliveryToRead {
  readonly forge: string;
  readonly event: string;
  readonly payload: unknown;
}

/**
 * The one place a delivery meets its forge's reader: the adapter is looked up by the delivery's
 * forge id, so nothing else needs to know which forges exist. `selfUsername` is asked for only
 * when the adapter needs it for this event (it can cost an API call).
 */
export async function readDelivery(
  delivery: DeliveryToRead,
  context: { selfAppId?: number; selfUsername?: (adapter: ForgeAdapter) => Promise<string | undefined> },
  registry: ForgeRegistry = forgeRegistry,
): Promise<{ adapter: ForgeAdapter; items: IngestItem[]; self: string | undefined }> {
  const adapter = registry.adapter(delivery.forge);
  const asks = adapter.needsSelfUsername(delivery.event) && context.selfUsername;
  const self = asks ? await asks(adapter) : undefined;
  const read = adapter.readEvent(delivery.event, delivery.payload, {
    ...(context.selfAppId !== undefined ? { selfAppId: context.selfAppId } : {}),
    ...(self !== undefined ? { selfUsername: self } : {}),
  });
  return { adapter, items: read, self };
}
