/**
 * Where a component sends an error it must not throw (a connection dropping, a best-effort write
 * failing): the caller's logger, usually. `context` says what was being done.
 */
export type OnError = (error: unknown, context: string) => void;

/**
 * The fallback when a caller passes no OnError: stderr, because an error that reaches nobody is a
 * fault nobody can see (a Redis that went away would look like an idle queue).
 */
export const logToStderr: OnError = (error, context) => {
  console.error(`[sentinel] ${context}: ${error instanceof Error ? error.message : String(error)}`);
};
