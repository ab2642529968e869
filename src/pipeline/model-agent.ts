import type { Logger } from "pino";
import {
  LLM_AGENT_ID,
  type Agent,
  llmPatchAgent,
  type LlmRepositoryConfig,
  type LlmSettings,
  type LlmWorkerOptions,
  type ModelMemory,
  type ModelWork,
} from "../agents/index.js";
import type { Metrics } from "../metrics/index.js";

export interface ModelAgentSetup {
  /** The deployment's endpoint (SENTINEL_LLM_*); absent, the model is never asked. */
  readonly settings: LlmSettings | undefined;
  /** The repository's `llm:` block; off unless it says `enabled: true`. */
  readonly config: LlmRepositoryConfig & { readonly enabled: boolean };
  readonly memory: ModelMemory;
  /** The cache is per repository; the budgets per repository and per installation. */
  readonly where: { readonly forge: string; readonly repo: string; readonly installation: string };
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** For tests: a retry policy that does not sleep. */
  readonly retry?: LlmWorkerOptions["retry"];
}

/**
 * The repository's agents with the llm-patch agent last, when the deployment configures an
 * endpoint and the repository opted in; selectAgent asks it only when no recipe handles the
 * failure. A repository recipe may not take the model agent's id (its tier and revocation are the
 * model's).
 */
export function withModelAgent(agents: readonly Agent[], setup: ModelAgentSetup): Agent[] {
  if (!setup.settings || !setup.config.enabled) return [...agents];
  const own = agents.filter((a) => a.id !== LLM_AGENT_ID);
  if (own.length !== agents.length)
    setup.logger.warn(
      { repo: setup.where.repo, agent: LLM_AGENT_ID },
      "a recipe uses the llm-patch agent's id; it was left out (rename it)",
    );
  const model = llmPatchAgent({
    settings: setup.settings,
    config: setup.config,
    memory: setup.memory,
    where: setup.where,
    ...(setup.retry ? { retry: setup.retry } : {}),
    onWork: (work) => countModelWork(setup.metrics, setup.where, work),
  });
  return [...own, model];
}

/** The budget key of an installation: a GitHub App installation, or a forge's whole deployment. */
export function installationKey(forge: string, installationId: string | null | undefined): string {
  return installationId ? `${forge}:${installationId}` : forge;
}

function countModelWork(m: Metrics | undefined, where: { forge: string; repo: string }, work: ModelWork): void {
  if (!m) return;
  const a = work.accounting;
  const labels = { forge: where.forge, repo: where.repo, model: a.model };
  const outcome = work.kind === "ran" ? work.outcome.kind : work.kind;
  m.modelRuns.inc({ ...labels, outcome });
  m.modelTokens.inc({ ...labels, direction: "in" }, a.tokensIn);
  m.modelTokens.inc({ ...labels, direction: "out" }, a.tokensOut);
  m.modelCost.inc(labels, a.cost);
  m.modelTurns.inc(labels, a.turns);
  m.modelRunSeconds.observe(labels, a.wallMs / 1000);
}
