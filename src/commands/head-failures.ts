// Finding the failures a command is about: those on the pull request's head, optionally by fingerprint.
import type { CommentEvent } from "../core/index.js";
import type { Diagnosis } from "../sentinel/index.js";
import type { StoredFailure } from "../store/index.js";
import type { CommandDeps } from "./command-deps.js";

/** The diagnosed failures on the pull request's current head. */
export async function failuresOnHead(
  deps: CommandDeps,
  event: CommentEvent,
): Promise<Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>> {
  const all = await deps.store.diagnoses.forPullRequest(event.forge, event.repo, event.prNumber);
  const head = await deps.forge.pullRequestHead(event.prNumber);
  const sha = head ?? all[all.length - 1]?.failure.sha;
  return all.filter((f) => f.failure.sha === sha);
}

export function matchFingerprint<T extends { diagnosis: Diagnosis }>(
  items: readonly T[],
  arg: string | undefined,
): T[] {
  if (!arg) return [...items];
  const wanted = arg.toLowerCase();
  return items.filter(
    (f) =>
      f.diagnosis.fingerprint === wanted ||
      (wanted.length >= 8 && f.diagnosis.fingerprint.replace(/^sfp1-/, "").startsWith(wanted.replace(/^sfp1-/, ""))),
  );
}
