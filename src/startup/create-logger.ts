import { pino, type Logger } from "pino";
import type { ParsedEnv } from "../config/index.js";

/** Header and field paths whose values are secrets; logged requests show them as [redacted]. */
const REDACTED = [
  "req.headers.authorization",
  "req.headers['x-hub-signature-256']",
  "req.headers['x-gitlab-token']",
  "req.headers['x-slack-signature']",
  "token",
  "*.token",
];

export function createLogger(config: Pick<ParsedEnv, "LOG_LEVEL">, stream?: NodeJS.WritableStream): Logger {
  return pino(
    { level: config.LOG_LEVEL ?? "info", redact: { paths: REDACTED, censor: "[redacted]" } },
    ...(stream ? [stream] : []),
  );
}
