export {
  STICKY_MARKER,
  CONFIG_NOTE_MARKER,
  MAX_CONFIG_BYTES,
  type ForgeClient,
  type CommitReport,
  type Annotation,
  type FailedJob,
  type Permission,
  type ForgeUser,
  type Reaction,
  type IssueRequest,
  type PullRequestInfo,
} from "./forge-client.js";
export { PERMISSIONS, permissionAtLeast, gitlabAccessToPermission, githubPermissionOf } from "./permission.js";
export { ForgeApiError } from "./forge-api-error.js";
export { recordedClient } from "./recorded-client.js";
export type { FixForge, PullRequestRequest } from "./fix-forge.js";
export type { ForgeAdapter, ReadContext, ApiComment } from "./forge-adapter.js";
export {
  forgeAdapter,
  forgeIds,
  forgeRegistry,
  builtinAdapters,
  createForgeRegistry,
  type ForgeRegistry,
} from "./registry.js";
export { readDelivery, type DeliveryToRead } from "./read-delivery.js";
export * from "./github/index.js";
export * from "./gitlab/index.js";
export * from "./local/index.js";
