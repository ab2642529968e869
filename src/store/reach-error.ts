import { connectionProblem, hostAndPort, SentinelError } from "../core/index.js";

/** PostgreSQL's SQLSTATEs for a login it refused: bad password, no such role or pg_hba entry, no such database. */
const LOGIN_REFUSED: Record<string, string> = {
  "28P01": "check the user and password in the URL",
  "28000": "check the user in the URL and the server's pg_hba.conf",
  "3D000": "check the database name in the URL",
};

/**
 * The error to stop start-up with when PostgreSQL could not be reached or refused the login, naming
 * the server, the variable and what to check; null for any other error (the caller rethrows it).
 */
export function postgresReachError(error: unknown, url: string, variable: string): SentinelError | null {
  const where = `PostgreSQL at ${hostAndPort(url, 5432)} (${variable})`;
  const problem = connectionProblem(error);
  if (problem)
    return new SentinelError("E_POSTGRES_UNREACHABLE", `cannot reach ${where}: ${problem}`, { cause: error });
  const sqlState = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const check = typeof sqlState === "string" ? LOGIN_REFUSED[sqlState] : undefined;
  if (!check) return null;
  // pg's message names the role or the database, never the password.
  const why = error instanceof Error ? error.message : String(error);
  return new SentinelError("E_POSTGRES_UNREACHABLE", `${where} refused the connection: ${why} — ${check}`, {
    cause: error,
  });
}
