export { SentinelError, isSentinelError, type ErrorCode } from "./sentinel-error.js";
