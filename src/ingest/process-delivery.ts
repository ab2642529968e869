import {
  UnrecoverableError,
  type CommentEvent,
  type FailureRecord,
  type ForgeId,
  type IngestItem,
} from "../core/index.js";
import { forgeAdapter, readDelivery, type ForgeAdapter } from "../forge/index.js";
import { safeJobId } from "../queue/index.js";
import { validateConfigChange } from "./validate-config-change.js";
import { executeCommands } from "../commands/index.js";
import { loadRepoConfig } from "../config/index.js";
import { refreshPullRequest } from "../notify/index.js";
import { pullRequestClosed } from "./pull-request-closed.js";
import type { WorkerDeps } from "./worker-deps.js";

/**
 * Reads a recorded delivery and turns it into failures to diagnose (one per failed job, whatever
 * event kinds report it), job outcomes and installation changes.
 */
export async function processDelivery(workerDeps: WorkerDeps, deliveryKey: string): Promise<void> {
  const delivery = await workerDeps.store.deliveries.get(deliveryKey);
  if (!delivery)
    throw new UnrecoverableError(
      "E_DELIVERY_UNKNOWN",
      `delivery ${deliveryKey} is not in the store: a delivery job is only queued for a recorded delivery`,
    );
  // Everything logged while reading this delivery names it and its repository.
  const deps = {
    ...workerDeps,
    logger: workerDeps.logger.child({ delivery: deliveryKey, forge: delivery.forge, repo: delivery.repo ?? undefined }),
  };
  const {
    adapter,
    items: read,
    self,
  } = await readDelivery(delivery, {
    ...(deps.githubAppId !== undefined ? { selfAppId: deps.githubAppId } : {}),
    selfUsername: async () => (await deps.forges.selfUsername?.(delivery.forge)) ?? undefined,
  });
  const items = (adapter.signedHooks ? read : await confirmProjects(deps, adapter, delivery.forge, read)).map(
    (item) => {
      const project = projectOf(item);
      // Path and id agree (confirmProjects): either may name the project in GITLAB_PROJECTS, the
      // allowlist of projects whose unsigned hooks are read at all.
      return !adapter.signedHooks &&
        deps.gitlabProjects &&
        project &&
        !deps.gitlabProjects.has(project.repo) &&
        !deps.gitlabProjects.has(project.repoId)
        ? ({ kind: "ignore", reason: `${adapter.name} project ${project.repo} is not in GITLAB_PROJECTS` } as const)
        : item;
    },
  );
  const failures: string[] = [];
  const ignored: string[] = [];
  const notes: string[] = [];
  for (const item of items) {
    switch (item.kind) {
      case "failure":
        failures.push(await recordFailure(deps, { ...item.failure, firstDelivery: deliveryKey }));
        break;
      case "outcome":
        await deps.store.failures.recordJobOutcome(item.outcome);
        break;
      case "expand":
        for (const f of await expand(deps, delivery.forge, item, deliveryKey))
          failures.push(await recordFailure(deps, f));
        break;
      case "installation":
        if (item.op === "add") await deps.store.installations.addRepos(delivery.forge, item.installationId, item.repos);
        else
          await deps.store.installations.removeRepos(
            delivery.forge,
            item.installationId,
            item.op === "remove" ? item.repos.map((r) => r.id) : undefined,
          );
        break;
      case "validate-config":
        notes.push(await validateConfigChange(deps, item));
        break;
      case "command":
        notes.push(await runCommands(deps, item.comment, self));
        break;
      case "pr-closed":
        notes.push(await pullRequestClosed(deps, item));
        break;
      case "ignore":
        ignored.push(item.reason);
        break;
    }
  }
  const outcome =
    failures.length > 0
      ? `failures: ${failures.join(", ")}`
      : notes.length > 0
        ? notes.join("; ")
        : ignored.length > 0
          ? `ignored: ${ignored.join("; ")}`
          : "recorded";
  if (failures.length === 0 && ignored.length > 0)
    deps.logger.info({ delivery: deliveryKey, reasons: ignored }, "delivery ignored");
  await deps.store.deliveries.markProcessed(deliveryKey, outcome.slice(0, 2000));
}

/**
 * An unsigned hook (GitLab's) names its project by id and by path, and only the webhook secret
 * vouches for either: each item's project is confirmed through the API (the id is that path)
 * before anything is done for it, so no hook can have Sentinel act on one project while recording
 * against another.
 */
async function confirmProjects(
  deps: WorkerDeps,
  adapter: ForgeAdapter,
  forge: ForgeId,
  items: readonly IngestItem[],
): Promise<IngestItem[]> {
  const verdicts = new Map<string, string | null>();
  const out: IngestItem[] = [];
  for (const item of items) {
    const project = projectOf(item);
    if (!project) {
      out.push(item);
      continue;
    }
    const key = `${project.repoId}\n${project.repo}`;
    if (!verdicts.has(key)) {
      const target = { forge, repo: project.repo, repoId: project.repoId, installationId: null };
      const why = deps.forges.confirmProject
        ? await deps.forges.confirmProject(target)
        : ((await (await deps.forges.client(target)).confirmProject?.()) ?? null);
      verdicts.set(key, why);
    }
    const why = verdicts.get(key);
    out.push(why ? { kind: "ignore", reason: `${adapter.name} project not confirmed: ${why}` } : item);
  }
  return out;
}

function projectOf(item: IngestItem): { repo: string; repoId: string } | null {
  if (item.kind === "failure") return item.failure;
  if (item.kind === "command") return item.comment;
  if (item.kind === "pr-closed" || item.kind === "expand" || item.kind === "validate-config") return item;
  return null;
}

async function runCommands(deps: WorkerDeps, claimed: CommentEvent, selfUsername: string | undefined): Promise<string> {
  const forge = await deps.forges.client(
    { forge: claimed.forge, repo: claimed.repo, repoId: claimed.repoId, installationId: claimed.installationId },
    "act",
  );
  let comment = claimed;
  const adapter = forgeAdapter(claimed.forge);
  if (forge.confirmComment && adapter.confirmComment) {
    // An unsigned hook's note is a claim: who wrote it and what it says are read from the API.
    const api = await forge.confirmComment(claimed.prNumber, claimed.commentId);
    if (!api) return `ignored: the forge's API has no note ${claimed.commentId} on !${claimed.prNumber}`;
    const confirmed = adapter.confirmComment(claimed, api, selfUsername);
    if ("ignore" in confirmed) return `ignored: ${confirmed.ignore}`;
    if (confirmed.author.id !== claimed.author.id || confirmed.body !== claimed.body)
      deps.logger.warn(
        { note: claimed.commentId, hookAuthor: claimed.author.id, apiAuthor: confirmed.author.id },
        "a note hook's author or text differs from the API's; acting on the API's",
      );
    comment = confirmed;
  }
  const loaded = await loadRepoConfig(forge);
  const result = await executeCommands(
    {
      store: deps.store,
      gov: deps.store.gov,
      runs: deps.store.runs,
      queue: deps.queue,
      logger: deps.logger,
      forge,
      loaded,
      refreshSticky: () => refreshPullRequest(deps, forge, comment.prNumber, loaded),
    },
    comment,
  );
  return `commands ${comment.commands.map((c) => c.name).join(", ")} by ${comment.author.login}: ${result}`;
}

async function recordFailure(deps: WorkerDeps, failure: FailureRecord): Promise<string> {
  const fresh = await deps.store.failures.record(failure);
  if (!fresh)
    deps.logger.info(
      { failure: failure.failureKey, source: failure.source },
      "failure already known from another event",
    );
  // Queued either way: the job id makes it a no-op when the failure is already queued or done.
  await deps.queue.add(
    "diagnose",
    { failureKey: failure.failureKey },
    { jobId: safeJobId("diagnose", failure.failureKey) },
  );
  return failure.failureKey;
}

async function expand(
  deps: WorkerDeps,
  forge: ForgeId,
  item: Extract<IngestItem, { kind: "expand" }>,
  deliveryKey: string,
): Promise<FailureRecord[]> {
  const client = await deps.forges.client({
    forge,
    repo: item.repo,
    repoId: item.repoId,
    installationId: item.installationId,
  });
  const jobs = await client.failedJobsOf(item.what, item.id);
  return jobs.map((j) => ({
    failureKey: `${forge}:${item.repoId}:${j.hasLog ? "job" : "check"}:${j.jobId}`,
    forge,
    source: item.what,
    repo: item.repo,
    repoId: item.repoId,
    installationId: item.installationId,
    sha: item.sha,
    ref: item.ref,
    jobId: j.jobId,
    jobName: j.jobName,
    runId: item.what === "check_suite" ? null : item.id,
    runAttempt: j.runAttempt,
    jobUrl: j.jobUrl,
    pullRequests: item.pullRequests,
    fromFork: item.fromFork,
    context: j.context,
    firstDelivery: deliveryKey,
  }));
}
