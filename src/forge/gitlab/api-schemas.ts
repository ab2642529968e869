import { z } from "zod";
import { SentinelError } from "../../core/index.js";
import { summarize } from "../read-comment.js";

// The fields of GitLab REST answers that Sentinel reads. gitbeaker types its answers loosely
// (camelCase types over snake_case JSON); parsing here keeps a GitLab that answers differently
// (an old self-managed version, a proxy's error page) from flowing on as undefined fields.

const id = z.number().int();
const text = z.string().nullish();

export const userAnswer = z.object({ id, username: z.string().min(1) });

export const jobAnswer = z.object({
  id,
  name: z.string(),
  status: z.string().nullish(),
  web_url: text,
  allow_failure: z.boolean().nullish(),
  failure_reason: text,
  commit: z.object({ id: text }).nullish(),
});

export const projectAnswer = z.object({
  id,
  path_with_namespace: z.string(),
  default_branch: text,
});

export const noteAnswer = z.object({
  id,
  body: text,
  system: z.boolean().nullish(),
  author: z.object({ id: id.nullish(), username: text }).nullish(),
});

export const mergeRequestAnswer = z.object({
  iid: id,
  sha: text,
  state: z.string(),
  source_branch: z.string(),
  target_branch: z.string(),
  source_project_id: id,
  target_project_id: id,
  description: text,
  author: z.object({ username: text }).nullish(),
  web_url: text,
});

export const commitMergeRequestAnswer = mergeRequestAnswer.pick({
  iid: true,
  sha: true,
  state: true,
  source_project_id: true,
  target_project_id: true,
});

export const diffAnswer = z.object({ new_path: z.string(), deleted_file: z.boolean().nullish() });

export const issueAnswer = z.object({ iid: id, web_url: text, state: text });

export const createdAnswer = z.object({ id });

/**
 * `value` as `schema` reads it, or an E_FORGE_RESPONSE error naming the request and the fields
 * that were wrong, so an operator sees which GitLab answer did not fit.
 */
export function parseAnswer<T>(schema: z.ZodType<T>, value: unknown, operation: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new SentinelError(
    "E_FORGE_RESPONSE",
    `GitLab answered ${operation} with something Sentinel does not understand (${summarize(parsed.error)}); check GITLAB_URL points at the GitLab API and the instance is version 15 or later`,
  );
}
