import type { Logger } from "pino";

const noop = (): void => undefined;

/**
 * A logger that writes nothing, for the CLI's pipeline (its findings go to stdout and the ledger).
 * pino itself costs ~35 ms to load at start-up, which a one-shot `sentinel fix` pays for nothing.
 */
export function silentLogger(): Logger {
  const logger = {
    level: "silent",
    fatal: noop,
    error: noop,
    warn: noop,
    info: noop,
    debug: noop,
    trace: noop,
    silent: noop,
    isLevelEnabled: () => false,
    child: () => logger,
  };
  return logger as unknown as Logger;
}
