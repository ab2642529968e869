import type { LoadedRepoConfig } from "../config/index.js";
import type { ForgeClient } from "../forge/index.js";
import type { Diagnosis } from "../sentinel/index.js";
import { withLease, type Store, type StoredFailure } from "../store/index.js";
import type { DiagnosedFailure } from "./render-report.js";
import { renderStickyComment } from "./render-sticky-comment.js";

/** What rewriting a sticky comment needs: the store it is rendered from. */
export interface StickyDeps {
  readonly store: Store;
}

/** Each diagnosed failure with where its fingerprint was seen before. */
export function withHistory(
  deps: StickyDeps,
  rows: Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>,
): Promise<DiagnosedFailure[]> {
  return Promise.all(
    rows.map(async (r) => ({
      ...r,
      history: await deps.store.diagnoses.fingerprintHistory(r.failure.forge, r.failure.repo, r.diagnosis.fingerprint),
    })),
  );
}

/** Rewrites one pull request's sticky comment from what is stored (after a command changed it). */
export async function refreshPullRequest(
  deps: StickyDeps,
  forge: ForgeClient,
  prNumber: number,
  loaded: LoadedRepoConfig,
): Promise<void> {
  const all = await deps.store.diagnoses.forPullRequest(forge.forge, forge.repo, prNumber);
  const latest = all[all.length - 1];
  if (!latest) return;
  const pr = latest.failure.pullRequests.find((p) => p.number === prNumber) ?? {
    number: prNumber,
    fromFork: latest.failure.fromFork,
  };
  await refreshStickyComments(deps, forge, { ...latest.failure, pullRequests: [pr] }, loaded);
}

/** Rewrites the sticky comment of each pull request the failure belongs to. */
export async function refreshStickyComments(
  deps: StickyDeps,
  forge: ForgeClient,
  failure: StoredFailure,
  loaded: LoadedRepoConfig,
): Promise<void> {
  const { store } = deps;
  if (!loaded.config.report.comment) return;
  const runs = store.runs;
  for (const pr of failure.pullRequests) {
    await withLease(deps, `sticky:${failure.forge}:${failure.repo}:${pr.number}`, async () => {
      // A late diagnosis of an older commit must not take the comment back in time.
      const head = await forge.pullRequestHead(pr.number);
      if (head && head !== failure.sha) return;
      const all = await withHistory(deps, await store.diagnoses.forPullRequest(failure.forge, failure.repo, pr.number));
      const current = all.filter((f) => f.failure.sha === failure.sha);
      const fixes = new Map<string, { number: number; url: string | null }>();
      for (const f of current) {
        const opened = await runs.findPullRequestByFingerprint(failure.forge, failure.repo, f.diagnosis.fingerprint);
        if (opened) fixes.set(f.diagnosis.fingerprint, opened);
      }
      const gov = store.gov;
      const decisions = await gov.decisions(current.map((f) => f.failure.failureKey));
      const ignored = new Set<string>();
      for (const f of current)
        if (await gov.isIgnored(failure.forge, failure.repo, f.diagnosis.fingerprint))
          ignored.add(f.diagnosis.fingerprint);
      const paused = await gov.isPaused(failure.forge, failure.repo, [pr.number]);
      const body = renderStickyComment({
        headSha: failure.sha,
        current,
        earlier: all.length - current.length,
        fromFork: pr.fromFork,
        configErrors: loaded.errors,
        fixes,
        decisions,
        ignored,
        paused,
      });
      const known = await store.pullRequests.stickyComment(failure.forge, failure.repo, pr.number);
      const id = await forge.upsertStickyComment(pr.number, body, known);
      await store.pullRequests.setStickyComment(failure.forge, failure.repo, pr.number, id);
    });
  }
}
