// What the composition root (main.ts) is built from: each piece reads its part of the parsed
// environment and either starts or says why it is off.
export { checkRedis } from "./check-redis.js";
export { closeServer } from "./close-server.js";
export { createForges } from "./create-forges.js";
export { createLogger } from "./create-logger.js";
export { createQueue } from "./create-queue.js";
export { fixingFromConfig } from "./fixing.js";
export { gitlabHookFromConfig } from "./gitlab-hook.js";
export { startGithubApp } from "./github-app.js";
export { openStoreDatabase } from "./open-store-database.js";
export { recordedChat } from "./recorded-chat.js";
export { startErrorLine } from "./start-error-line.js";
