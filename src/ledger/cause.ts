import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What Sentinel is doing when it writes to a forge or to chat: the delivery it is reading, the
 * failure it is diagnosing or fixing, the run it is in. Each write's ledger entry names it, so a
 * comment, a check run or a push leads back through the failure's `diagnosis` entry to the log
 * lines and the rule that caused it. Carried by async context, not passed through every call.
 */
export interface Cause {
  readonly delivery?: string;
  readonly failure?: string;
  readonly run?: string;
}

const storage = new AsyncLocalStorage<Cause>();

/** Runs `fn` with `cause` added to the current one (a failure read from a delivery keeps both). */
export function withCause<T>(cause: Cause, fn: () => Promise<T>): Promise<T> {
  return storage.run({ ...(storage.getStore() ?? {}), ...cause }, fn);
}

export function currentCause(): Cause {
  return storage.getStore() ?? {};
}
