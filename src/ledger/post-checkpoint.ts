import type { Checkpoint } from "./checkpoint.js";
import { SentinelError } from "../core/index.js";

/** How long one POST may take before it counts as failed (and is tried again next round). */
export const CHECKPOINT_POST_TIMEOUT_MS = 10_000;

/** Where checkpoints are POSTed (SENTINEL_LEDGER_CHECKPOINT_URL, SENTINEL_LEDGER_CHECKPOINT_TOKEN). */
export interface CheckpointEndpoint {
  readonly url: URL;
  readonly token?: string;
  readonly timeoutMs?: number;
}

/**
 * Reads SENTINEL_LEDGER_CHECKPOINT_URL: an http(s) URL, or an error naming the variable. Checked
 * once at start, so a typo stops the process instead of failing quietly every minute.
 */
export function parseCheckpointUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SentinelError(
      "E_CHECKPOINT_URL",
      "SENTINEL_LEDGER_CHECKPOINT_URL is not a URL: set it to the collector's https:// address, or unset it to keep checkpoints in the file and the log only",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new SentinelError(
      "E_CHECKPOINT_URL",
      `SENTINEL_LEDGER_CHECKPOINT_URL must be an http(s) URL, not ${url.protocol}//…`,
    );
  }
  // fetch refuses such URLs, and the variable is not treated as a secret: the token is.
  if (url.username || url.password) {
    throw new SentinelError(
      "E_CHECKPOINT_URL",
      "SENTINEL_LEDGER_CHECKPOINT_URL must not carry a user or password: put the collector's credential in SENTINEL_LEDGER_CHECKPOINT_TOKEN (sent as a bearer token)",
    );
  }
  return url;
}

/** The URL as logs may show it: no query (a signed URL carries its key there). */
export function endpointForLogs(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * POSTs one checkpoint as JSON ({seq, hash, at}, the checkpoint file's line), with the bearer
 * token when there is one. Resolves on a 2xx answer; rejects on anything else, a redirect (the
 * collector must answer itself: a redirect would take the token elsewhere) or the timeout.
 */
export async function postCheckpoint(
  endpoint: CheckpointEndpoint,
  checkpoint: Checkpoint,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const response = await fetchImpl(endpoint.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(endpoint.token ? { authorization: `Bearer ${endpoint.token}` } : {}),
    },
    body: JSON.stringify({ seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at }),
    redirect: "error",
    signal: AbortSignal.timeout(endpoint.timeoutMs ?? CHECKPOINT_POST_TIMEOUT_MS),
  });
  // The answer's body means nothing here; reading it frees the connection.
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok)
    throw new SentinelError("E_CHECKPOINT_POST", `the checkpoint endpoint answered HTTP ${response.status}`);
}
