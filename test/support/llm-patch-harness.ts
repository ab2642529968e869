import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import {
  createFence,
  createLlmClient,
  DEFAULT_WRITE_POLICY,
  runLlmPatch,
  worktreeTools,
  type LlmLimits,
  type LlmRunResult,
  type LlmTask,
} from "../../src/agents/llm/index.js";
import { localRepo } from "./git-repos.js";
import { startScriptedLlmServer, type ScriptedLlmServer, type ScriptedTurn } from "./scripted-llm-server.js";

/**
 * One llm-patch run against the scripted server over a real git repository whose add() subtracts.
 * run_check "re-runs the test": it passes when the file adds, and otherwise reports the failure.
 */
export const BROKEN = "export const add = (a, b) => a - b;\n";

export const TASK: LlmTask = {
  instruction: "The test add.test.js fails. Fix the code so it passes.",
  diagnosis: "category: test; src/add.test.js:3 expected 3, received -1",
  logExcerpt: "FAIL src/add.test.js > adds\nAssertionError: expected -1 to be 3",
};

export function diff(file: string, from: string, to: string): string {
  return [`--- a/${file}`, `+++ b/${file}`, "@@ -1 +1 @@", `-${from}`, `+${to}`, ""].join("\n");
}

export const LINE = BROKEN.trimEnd();
export const FIXED = "export const add = (a, b) => a + b;";

export interface Harness {
  server: ScriptedLlmServer;
  dir: string;
  sleeps: number[];
  run(o?: {
    task?: LlmTask;
    limits?: LlmLimits;
    files?: Record<string, string>;
    fenceToken?: string;
    deadline?: number;
  }): Promise<LlmRunResult>;
  file(name: string): string;
  close(): Promise<void>;
}

export async function harness(script: ScriptedTurn[], files: Record<string, string> = {}): Promise<Harness> {
  const server = await startScriptedLlmServer(script);
  const { dir } = localRepo({ "src/add.js": BROKEN, ".github/workflows/ci.yml": "on: push\n", ...files });
  const sleeps: number[] = [];
  const runCheck = () => {
    const passed = readFileSync(path.join(dir, "src/add.js"), "utf8").includes("a + b");
    return Promise.resolve({ passed, summary: passed ? "passed" : "category: test; src/add.test.js:3 still failing" });
  };
  const settings = {
    baseURL: server.baseURL,
    apiKey: "k",
    model: "scripted-model",
    priceInPer1k: 0.5,
    priceOutPer1k: 1.5,
  };
  return {
    server,
    dir,
    sleeps,
    run: async (o = {}) =>
      runLlmPatch({
        client: await createLlmClient(settings, 10_000),
        settings,
        tools: worktreeTools({ worktree: dir, policy: DEFAULT_WRITE_POLICY, runCheck }),
        task: o.task ?? TASK,
        limits: o.limits,
        fence: o.fenceToken ? createFence(o.fenceToken) : undefined,
        deadline: o.deadline,
        retry: {
          attempts: 3,
          baseDelayMs: 10,
          maxDelayMs: 5_000,
          sleep: (ms) => {
            sleeps.push(ms);
            return Promise.resolve();
          },
        },
      }),
    file: (name) => readFileSync(path.join(dir, name), "utf8"),
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
