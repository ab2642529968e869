import { rmSync } from "node:fs";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { Agent } from "../../src/agents/index.js";
import type { LlmSettings } from "../../src/agents/llm/index.js";
import { LocalForge } from "../../src/forge/index.js";
import {
  runFix,
  withModelAgent,
  type FixDeps,
  type FixGate,
  type FixOutcome,
  type FixRequest,
} from "../../src/pipeline/index.js";
import { openDatabase, Store, type Database } from "../../src/store/index.js";
import { localRepo } from "./git-repos.js";
import { addProject, LLM_CONFIG, llmSettings, recordedRetry } from "./model-fix.js";
import { pipelineDeps } from "./pipeline-deps.js";
import { startScriptedLlmServer, type ScriptedLlmServer, type ScriptedTurn } from "./scripted-llm-server.js";

export interface ModelRun {
  outcome: FixOutcome;
  dir: string;
  sha: string;
  ledger: Array<{ kind: string; data: Record<string, unknown> }>;
  /** The backoffs the model's retries would have slept. */
  sleeps: number[];
}

export interface ModelRunOptions {
  files?: Record<string, string>;
  /** An existing repository (a second run of the same failure). */
  repo?: { dir: string; sha: string };
  settings?: Partial<LlmSettings>;
  config?: Partial<typeof LLM_CONFIG>;
  installation?: string;
  gate?: FixGate;
  request?: Partial<FixRequest>;
  /** Recipes the repository has besides the builtin ones (tried before the model). */
  recipes?: Agent[];
  /** More of the pipeline's dependencies (a blast radius, an error budget). */
  deps?: Partial<FixDeps>;
}

/**
 * The governed pipeline on this machine (real git, the sandbox, `node --test`), through the local
 * forge, with the llm-patch agent behind a scripted OpenAI-compatible server that each run
 * starts afresh. Registers its own hooks; read `store` and `server()` inside tests.
 */
export function modelPipeline() {
  const dirs: string[] = [];
  let db: Database;
  let server: ScriptedLlmServer | undefined;
  let base: Omit<FixDeps, "forge">;
  const bench = {
    store: undefined as unknown as Store,
    server: () => {
      if (!server) throw new Error("no run has started the scripted server yet");
      return server;
    },
    async run(script: ScriptedTurn[], o: ModelRunOptions = {}): Promise<ModelRun> {
      await server?.close();
      server = await startScriptedLlmServer(script);
      const repo = o.repo ?? localRepo(o.files ?? addProject(), "sentinel-model-");
      if (!o.repo) dirs.push(repo.dir);
      const sleeps: number[] = [];
      const deps: FixDeps = {
        ...base,
        forge: new LocalForge(bench.store.runs, repo.dir),
        agents: withModelAgent([...(o.recipes ?? []), ...base.agents], {
          settings: llmSettings(server, o.settings),
          config: { ...LLM_CONFIG, ...o.config },
          memory: bench.store.models,
          where: { forge: "local", repo: repo.dir, installation: o.installation ?? "local" },
          logger: pino({ level: "silent" }),
          retry: recordedRetry(sleeps),
        }),
        ...(o.gate ? { gate: o.gate } : {}),
        ...o.deps,
      };
      const outcome = await runFix(deps, {
        forge: "local",
        repo: repo.dir,
        sha: repo.sha,
        baseBranch: "main",
        failingCommand: ["sh", "-c", "node --test"],
        ...o.request,
      });
      return { outcome, ...repo, ledger: await bench.store.runs.ledger(outcome.runId), sleeps };
    },
  };
  beforeAll(async () => {
    db = await openDatabase({});
    bench.store = new Store(db);
    base = await pipelineDeps(bench.store.runs, dirs);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(async () => {
    await db.close();
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });
  return bench;
}

/** A ledger entry's data by kind (the first one). */
export function entry(r: ModelRun, kind: string): Record<string, unknown> | undefined {
  return r.ledger.find((e) => e.kind === kind)?.data;
}

/** The fingerprint PREFLIGHT diagnosed. */
export function fingerprintOf(r: ModelRun): string {
  const fingerprint = entry(r, "diagnosis")?.fingerprint;
  if (typeof fingerprint !== "string") throw new Error("the run recorded no diagnosis");
  return fingerprint;
}
