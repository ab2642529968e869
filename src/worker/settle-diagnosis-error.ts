import type { Logger } from "pino";
import { outcomeOf } from "../core/index.js";
import type { FailureStore } from "../store/index.js";

/**
 * What a failed diagnosis leaves behind, by the error's outcome (core's outcome table): an ignored
 * one marks the failure `ignored` and ends the job; an unrecoverable one, or the last attempt of a
 * retried one, marks it `error` with the reason, so no failure stays pending. Returns whether the
 * job should rethrow (the queue then retries it or records it failed).
 */
export async function settleDiagnosisError(
  deps: {
    readonly store: { readonly failures: Pick<FailureStore, "setStatus"> };
    readonly logger: Pick<Logger, "info" | "warn">;
  },
  job: { readonly failureKey: string; readonly attempt: number; readonly attempts: number },
  error: unknown,
): Promise<"rethrow" | "settled"> {
  const { failureKey, attempt, attempts } = job;
  const message = error instanceof Error ? error.message : String(error);
  const outcome = outcomeOf(error);
  if (outcome === "ignored") {
    // Deliveries can outlive an installation (a redelivery, a repository removed from it).
    deps.logger.info({ failure: failureKey, reason: message }, "failure ignored: the repository is not installed");
    await deps.store.failures.setStatus(failureKey, "ignored", message);
    return "settled";
  }
  const final = outcome === "unrecoverable" || attempt >= attempts;
  deps.logger.warn(
    { failure: failureKey, attempt, attempts, error: message, outcome },
    final ? "diagnosis failed for good" : "diagnosis failed; will retry",
  );
  if (final) await deps.store.failures.setStatus(failureKey, "error", message.slice(0, 2000));
  return "rethrow";
}
