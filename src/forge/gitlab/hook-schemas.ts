import { z } from "zod";

// The fields of GitLab's Job, Pipeline and Merge Request hooks that Sentinel reads, parsed rather
// than cast: a hook is whatever the holder of the webhook secret sent. Unknown fields pass (GitLab
// adds fields in every release); a field Sentinel reads that has the wrong type is an error, so
// the delivery's outcome says what was wrong instead of a failure being recorded with garbage.

const id = z.number().int().nonnegative();

export const gitlabProject = z.object({
  id,
  path_with_namespace: z.string().min(1),
  web_url: z.string().nullish(),
  default_branch: z.string().nullish(),
});
export type GitlabHookProject = z.infer<typeof gitlabProject>;

export const jobHook = z.object({
  object_kind: z.literal("build"),
  build_id: id,
  build_name: z.string(),
  build_status: z.string(),
  build_allow_failure: z.boolean().nullish(),
  build_failure_reason: z.string().nullish(),
  sha: z.string().regex(/^[0-9a-f]{40}$/, "a 40-character commit sha"),
  ref: z.string().nullish(),
  project_id: id,
  project: gitlabProject.nullish(),
  pipeline_id: id.nullish(),
  repository: z.object({ homepage: z.string().nullish() }).nullish(),
});
export type JobHook = z.infer<typeof jobHook>;

export const pipelineHook = z.object({
  object_kind: z.literal("pipeline"),
  object_attributes: z.object({
    id,
    sha: z.string().regex(/^[0-9a-f]{40}$/, "a 40-character commit sha"),
    ref: z.string().nullish(),
    status: z.string(),
  }),
  merge_request: z.object({ iid: id, source_project_id: id.nullish(), target_project_id: id.nullish() }).nullish(),
  project: gitlabProject,
  builds: z
    .array(
      z.object({
        id,
        name: z.string(),
        status: z.string(),
        allow_failure: z.boolean().nullish(),
        failure_reason: z.string().nullish(),
      }),
    )
    .nullish(),
});
export type PipelineHook = z.infer<typeof pipelineHook>;

export const mergeRequestHook = z.object({
  object_kind: z.literal("merge_request"),
  project: gitlabProject,
  object_attributes: z.object({
    iid: id,
    action: z.string().nullish(),
    state: z.string().nullish(),
    source_branch: z.string().nullish(),
    description: z.string().nullish(),
    oldrev: z.string().nullish(),
    last_commit: z.object({ id: z.string().nullish() }).nullish(),
  }),
});
export type MergeRequestHook = z.infer<typeof mergeRequestHook>;
