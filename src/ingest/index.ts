export { ingestDelivery, enqueueDelivery, sweepDeliveries, type IngestDeps } from "./ingest-delivery.js";
export { processDelivery, type WorkerDeps } from "./process-delivery.js";
export { diagnoseFailure } from "./diagnose-failure.js";
export { readGithubEvent, GITHUB_EVENTS } from "./github/read-github-event.js";
export { readGitlabEvent, GITLAB_EVENTS } from "./gitlab/read-gitlab-event.js";
export type { Forges } from "./forges.js";
export type { IngestItem } from "./ingest-item.js";
export { fixFailure, type FixEnvironment } from "./fix-failure.js";
