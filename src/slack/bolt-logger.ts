import { LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "pino";

/**
 * Bolt and its Web API client log through this, into Sentinel's pino logger. Arguments are
 * reduced to strings and errors to their messages: Bolt passes whole error objects (a Web API
 * HTTP error carries the response headers and body), and none of that belongs in the log.
 * Bolt's own messages name neither the signing secret nor signatures and the Web API client
 * redacts the token in what it logs, but a failed request's error message is the HTTP stack's
 * and may quote the request, Authorization header included: `secrets` are cut out of every line.
 * The level is pino's: Bolt's setLevel is ignored.
 */
export function boltLogger(logger: Logger, secrets: readonly string[]): BoltLogger {
  const hidden = secrets.filter((s) => s.length > 0);
  const line = (msgs: unknown[]): string => {
    let text = msgs.map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : safeJson(m))).join(" ");
    for (const secret of hidden) text = text.split(secret).join("[redacted]");
    return text;
  };
  return {
    debug: (...msgs: unknown[]) => logger.debug(line(msgs)),
    info: (...msgs: unknown[]) => logger.info(line(msgs)),
    warn: (...msgs: unknown[]) => logger.warn(line(msgs)),
    error: (...msgs: unknown[]) => logger.error(line(msgs)),
    setLevel: () => {},
    getLevel: () => {
      if (logger.isLevelEnabled("debug")) return LogLevel.DEBUG;
      if (logger.isLevelEnabled("info")) return LogLevel.INFO;
      if (logger.isLevelEnabled("warn")) return LogLevel.WARN;
      return LogLevel.ERROR;
    },
    setName: () => {},
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // A cycle or a BigInt: the plain string is still worth logging.
    return String(value);
  }
}
