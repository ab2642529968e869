/**
 * What went wrong reaching a service (PostgreSQL, Redis), in words an operator can act on, or null
 * when the error is not about reaching it. Node's errors carry the reason in `code`; a host with
 * several addresses fails with an AggregateError whose parts carry it.
 */
export function connectionProblem(error: unknown): string | null {
  const code = errorCode(error);
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused — check that the server is running and the URL's host and port";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "no such host — check the URL's host name";
    case "ETIMEDOUT":
    case "ECONNRESET":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `no answer (${code}) — check the URL's host and port, and any firewall or network policy in between`;
    default:
      return null;
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const own = (error as { code?: unknown }).code;
  if (typeof own === "string") return own;
  const parts = (error as { errors?: unknown }).errors;
  return Array.isArray(parts) ? parts.map(errorCode).find((c) => c !== undefined) : undefined;
}

/** `host:port` of a service URL, for messages; never its user or password. */
export function hostAndPort(url: string, defaultPort: number): string {
  if (!URL.canParse(url)) return "the configured address";
  const u = new URL(url);
  return `${u.hostname || "localhost"}:${u.port || defaultPort}`;
}
