import { SentinelError, type ForgeId } from "../core/index.js";
import { forgeAdapter } from "./registry.js";

/**
 * A failed forge API call, told without the credentials: the message is the operation, the HTTP
 * status and the forge's own description, with anything token-shaped masked. The client's error
 * is not kept as `cause`, because gitbeaker's carries the request with its PRIVATE-TOKEN header
 * and loggers print causes.
 */
export class ForgeApiError extends SentinelError {
  readonly status: number | undefined;

  constructor(
    readonly forge: ForgeId,
    readonly operation: string,
    status: number | undefined,
    description: string,
  ) {
    super(
      "E_FORGE_API",
      `${forgeAdapter(forge).name} ${operation} failed${status ? `: HTTP ${status}` : ""}${description ? `: ${description}` : ""}`,
    );
    this.name = "ForgeApiError";
    this.status = status;
  }
}

// GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) and GitLab (glpat-, gldt-, …) token formats.
const TOKEN_SHAPES =
  /\b(?:gh[pousr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{16,}|gl[a-z]{2,8}-[A-Za-z0-9_-]{16,})\b/g;

/** Turns a client error (octokit RequestError, gitbeaker GitbeakerRequestError, anything) into a ForgeApiError. */
export function forgeApiError(
  forge: ForgeId,
  operation: string,
  error: unknown,
  secrets: readonly string[] = [],
): ForgeApiError {
  const status = statusOf(error);
  const e = error as { cause?: { description?: unknown }; message?: unknown } | null;
  const raw =
    typeof e?.cause?.description === "string" && e.cause.description
      ? e.cause.description
      : typeof e?.message === "string"
        ? e.message
        : String(error);
  let description = raw.replace(TOKEN_SHAPES, "[REDACTED]");
  for (const secret of secrets) if (secret) description = description.split(secret).join("[REDACTED]");
  return new ForgeApiError(forge, operation, status, description.slice(0, 500));
}

/** The HTTP status of an octokit or gitbeaker error. */
export function statusOf(error: unknown): number | undefined {
  const e = error as {
    cause?: { response?: { status?: number } };
    response?: { status?: number };
    status?: number;
  } | null;
  return e?.cause?.response?.status ?? e?.response?.status ?? e?.status;
}
