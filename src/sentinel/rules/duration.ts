import { SentinelError } from "../../core/index.js";

/** A rule file's duration (`30s`, `5m`, `250ms`, `1h`) in milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!m)
    throw new SentinelError(
      "E_RULE_SCHEMA",
      `not a duration: ${text}; write a whole number with ms, s, m or h (e.g. 30s)`,
    );
  const n = Number(m[1]);
  const unit = m[2];
  return unit === "ms" ? n : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n * 3_600_000;
}
