import { loadRepoConfig, type LoadedRepoConfig } from "../config/index.js";
import type { ForgeClient } from "../forge/forge-client.js";
import { globMatch } from "../sentinel/engine/select-sentinels.js";
import { classifyText, createClassifier, type Diagnosis } from "../sentinel/index.js";
import { renderCommitReport, renderStickyComment, type DiagnosedFailure } from "../notify/index.js";
import { safeJobId } from "../queue/index.js";
import { RunStore, type StoredFailure } from "../store/index.js";
import type { WorkerDeps } from "./process-delivery.js";

/**
 * The heavy half of ingestion, run by a queue worker: read the failed job's log from the forge
 * (streamed, capped), classify it with the builtin sentinels and the repository's own, store
 * the diagnosis, and tell people (the commit's report, the sticky comment on its pull requests).
 */
export async function diagnoseFailure(deps: WorkerDeps, failureKey: string): Promise<void> {
  const failure = await deps.store.getFailure(failureKey);
  if (!failure) throw new Error(`failure ${failureKey} is not in the store`);
  const log = deps.logger.child({ failure: failureKey, repo: failure.repo });
  // A queue that forgot the job id (or a re-read delivery) must not report the same failure twice.
  if (failure.status === "diagnosed" || failure.status === "ignored") {
    log.info({ status: failure.status }, "failure already handled");
    return;
  }
  const forge = await deps.forges.client({ forge: failure.forge, repo: failure.repo, repoId: failure.repoId, installationId: failure.installationId ?? null });
  const loaded = await loadRepoConfig(forge);
  if (loaded.errors.length > 0) log.warn({ errors: loaded.errors }, "repository config has errors; using safe defaults");
  if (loaded.config.ignore.jobs.some((g) => globMatch(g, failure.jobName))) {
    await deps.store.setFailureStatus(failureKey, "ignored");
    log.info({ job: failure.jobName }, "job ignored by the repository's config");
    return;
  }

  const withPrs = await resolvePullRequests(deps, forge, failure);
  const diagnosis = await classifyFailure(forge, withPrs, loaded);
  const flaky = await deps.store.isFlaky(failure.forge, failure.repo, failure.sha, failure.jobName);
  await deps.store.saveDiagnosis(withPrs, diagnosis, flaky);
  log.info({ category: diagnosis.category, tool: diagnosis.tool, fingerprint: diagnosis.fingerprint, truncated: diagnosis.stats.truncated, flaky }, "failure diagnosed");

  await publish(deps, forge, withPrs, loaded);
  await deps.store.setFailureStatus(failureKey, "diagnosed");
}

/** The events that carry no pull request (workflow_job, GitLab job hooks) get theirs from the API. */
async function resolvePullRequests(deps: WorkerDeps, forge: ForgeClient, failure: StoredFailure): Promise<StoredFailure> {
  if (failure.pullRequests.length > 0) return failure;
  const prs = await forge.pullRequestsForCommit(failure.sha);
  if (prs.length === 0) return failure;
  const fromFork = prs.some((p) => p.fromFork);
  await deps.store.setPullRequests(failure.failureKey, prs, fromFork);
  return { ...failure, pullRequests: prs, fromFork };
}

async function classifyFailure(forge: ForgeClient, failure: StoredFailure, loaded: LoadedRepoConfig): Promise<Diagnosis> {
  const options = { source: "log" as const, jobName: failure.jobName, workspaceRoots: forge.workspaceRoots(), maxBytes: loaded.config.logs.maxBytes };
  if (failure.context.actions === false && failure.jobId) {
    return classifyText(await forge.checkOutputText(failure.jobId, failure.context.output), loaded.rules, options);
  }
  if (!failure.jobId) throw new Error(`failure ${failure.failureKey} has no job to read`);
  const classifier = createClassifier(loaded.rules, options);
  const abort = new AbortController();
  let bytes = 0;
  const stream = await forge.streamJobLog(failure.jobId, abort.signal);
  try {
    for await (const chunk of stream) {
      classifier.write(Buffer.from(chunk));
      bytes += chunk.byteLength;
      // Past the cap the classifier reads nothing more, so stop the download too.
      if (bytes > loaded.config.logs.maxBytes) {
        abort.abort();
        break;
      }
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  }
  return classifier.end();
}

async function publish(deps: WorkerDeps, forge: ForgeClient, failure: StoredFailure, loaded: LoadedRepoConfig): Promise<void> {
  const { store } = deps;
  if (loaded.config.report.checkRun) {
    // One report per commit: serialised per commit so two failures finishing together do not both create one.
    await store.db.withLock(`report:${failure.forge}:${failure.repo}:${failure.sha}`, async () => {
      const onCommit = await withHistory(deps, await store.diagnosesOnCommit(failure.forge, failure.repo, failure.sha));
      // Annotations are added, not replaced, so a retry after they went out must not add them again.
      const current = await store.getFailure(failure.failureKey);
      const report = renderCommitReport(failure.sha, onCommit, loaded.errors, current?.reportedAt ? "" : failure.failureKey);
      const known = await store.getCommitReport(failure.forge, failure.repo, failure.sha);
      const { id } = await forge.publishReport(report, known);
      await store.setCommitReport(failure.forge, failure.repo, failure.sha, id);
      await store.markReported(failure.failureKey);
    });
  }
  await refreshStickyComments(deps, forge, failure, loaded);
  // The fix itself is queued work of its own; the repository must have opted in.
  if (loaded.config.fix.enabled && loaded.errors.length === 0 && deps.fixing && !failure.fromFork) {
    await deps.queue.add("fix", { failureKey: failure.failureKey }, { jobId: safeJobId("fix", failure.failureKey) });
  }
}

/** Each diagnosed failure with where its fingerprint was seen before. */
function withHistory(deps: WorkerDeps, rows: Array<{ failure: StoredFailure; diagnosis: Diagnosis; flaky: boolean }>): Promise<DiagnosedFailure[]> {
  return Promise.all(rows.map(async (r) => ({ ...r, history: await deps.store.fingerprintHistory(r.failure.forge, r.failure.repo, r.diagnosis.fingerprint) })));
}

/** Rewrites the sticky comment of each pull request the failure belongs to. */
export async function refreshStickyComments(deps: WorkerDeps, forge: ForgeClient, failure: StoredFailure, loaded: LoadedRepoConfig): Promise<void> {
  const { store } = deps;
  if (!loaded.config.report.comment) return;
  const runs = new RunStore(store.db);
  for (const pr of failure.pullRequests) {
    await store.db.withLock(`sticky:${failure.forge}:${failure.repo}:${pr.number}`, async () => {
      // A late diagnosis of an older commit must not take the comment back in time.
      const head = await forge.pullRequestHead(pr.number);
      if (head && head !== failure.sha) return;
      const all = await withHistory(deps, await store.diagnosesForPullRequest(failure.forge, failure.repo, pr.number));
      const current = all.filter((f) => f.failure.sha === failure.sha);
      const fixes = new Map<string, { number: number; url: string | null }>();
      for (const f of current) {
        const opened = await runs.findPullRequestByFingerprint(failure.forge, failure.repo, f.diagnosis.fingerprint);
        if (opened) fixes.set(f.diagnosis.fingerprint, opened);
      }
      const body = renderStickyComment({ headSha: failure.sha, current, earlier: all.length - current.length, fromFork: pr.fromFork, configErrors: loaded.errors, fixes });
      const known = await store.getStickyComment(failure.forge, failure.repo, pr.number);
      const id = await forge.upsertStickyComment(pr.number, body, known);
      await store.setStickyComment(failure.forge, failure.repo, pr.number, id);
    });
  }
}
