export {
  bodyBudgetOf,
  createHttpServer,
  verifiedGithubBody,
  type HttpServerDeps,
  type Middleware,
} from "./create-http-server.js";
export {
  DEFAULT_BODY_BUDGET,
  DEFAULT_BODY_BUDGET_WAIT_MS,
  DEFAULT_BODY_CLIENT_SHARE,
  DEFAULT_HEADERS_TIMEOUT_MS,
  MAX_GITHUB_BODY,
  type ServerLimitOptions,
} from "./server-limits.js";
export { DEFAULT_BODY_DEADLINE_MS, DEFAULT_BODY_MIN_RATE, DEFAULT_BODY_RATE_GRACE_MS } from "./body-pace.js";
export { InvalidServerOptionError } from "./server-option-error.js";
export { BodyTooLargeError, readBody } from "./read-body.js";
export { BodyReadError } from "./body-errors.js";
export { refuseBody } from "./refuse-body.js";
