import type { Gitlab } from "@gitbeaker/rest";

/** The gitbeaker client the GitLab forge and its helpers share. */
export type GitlabApi = InstanceType<typeof Gitlab>;

/**
 * A client for `host` with `token`. gitbeaker loads here, on the first client made: the forge's
 * modules are also loaded by `sentinel fix`, which never talks to GitLab.
 */
export async function gitlabApi(connection: { baseUrl: string; token: string }): Promise<GitlabApi> {
  const { Gitlab } = await import("@gitbeaker/rest");
  return new Gitlab({ host: connection.baseUrl.replace(/\/+$/, ""), token: connection.token });
}

/** Wraps an API failure for `operation` (with the token redacted) as a forge error. */
export type GitlabApiError = (operation: string, error: unknown) => Error;

/** The message of a gitbeaker error: its response's description, else its message. */
export function describeApiError(error: unknown): string {
  const e = error as { cause?: { description?: unknown }; message?: unknown } | null;
  return String(e?.cause?.description ?? e?.message ?? "");
}

/** The HTTP status of a gitbeaker (or fetch-like) error, when it carries one. */
export function statusOf(error: unknown): number | undefined {
  const e = error as { cause?: { response?: { status?: number } }; response?: { status?: number }; status?: number };
  return e.cause?.response?.status ?? e.response?.status ?? e.status;
}
