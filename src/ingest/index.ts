export {
  ingestDelivery,
  enqueueDelivery,
  sweepDeliveries,
  createDeliveryIngester,
  UnstorableDeliveryError,
  type IngestDeps,
  type IngestResult,
} from "./ingest-delivery.js";
export { processDelivery } from "./process-delivery.js";
export type { WorkerDeps } from "./worker-deps.js";
export { diagnoseFailure } from "./diagnose-failure.js";
export type { Forges } from "./forges.js";
export type { IngestItem } from "../core/index.js";
export { decideFromChat } from "./chat-decision.js";
export type { ChatNotifier } from "../notify/index.js";
export { startDeliveryLedger } from "./delivery-ledger.js";
