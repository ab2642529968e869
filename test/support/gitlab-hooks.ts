import { readFileSync } from "node:fs";
import path from "node:path";

const HOOKS = path.resolve(import.meta.dirname, "../fixtures/gitlab-hooks");

/** A copy of GitLab's documented hook example `name` (fixtures/gitlab-hooks, see its sources.json). */
export function gitlabHookExample(name: string): Record<string, any> {
  return JSON.parse(readFileSync(path.join(HOOKS, name), "utf8")) as Record<string, any>;
}

/** GitLab's documented Note Hook as a note on merge request !`mr` of `project`, claiming to be by `user` and to say `body`. */
export function noteHook(
  project: { id: number; repo: string },
  mr: number,
  body: string,
  id: number,
  user: { id: number; username: string },
): Record<string, any> {
  const p = gitlabHookExample("note-event.json");
  p.project_id = project.id;
  Object.assign(p.project, { id: project.id, path_with_namespace: project.repo });
  Object.assign(p.user, user);
  Object.assign(p.object_attributes, { id, note: body, author_id: user.id, project_id: project.id });
  Object.assign(p.merge_request, { iid: mr, source_project_id: project.id, target_project_id: project.id });
  return p;
}
