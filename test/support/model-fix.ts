import { execFileSync } from "node:child_process";
import type { LlmSettings, RetryPolicy } from "../../src/agents/llm/index.js";
import type { ScriptedLlmServer, ScriptedToolCall, ScriptedTurn } from "./scripted-llm-server.js";

/**
 * A small JavaScript project whose test fails: add() subtracts. `node --test` is the project's
 * own check, run for real (in the sandbox, by the pipeline); the model's fix is the one-line diff
 * ADD_FIX, which the scripted server hands back as a tool call.
 */
export const ADD_BROKEN = "export function add(a, b) {\n  return a - b;\n}\n";
export const ADD_FIXED = "export function add(a, b) {\n  return a + b;\n}\n";

export function addTest(o: { printed?: readonly string[] } = {}): string {
  return [
    'import { test } from "node:test";',
    'import assert from "node:assert/strict";',
    'import { add } from "../src/add.js";',
    "",
    'test("adds two numbers", () => {',
    ...(o.printed ?? []).map((line) => `  console.log(${JSON.stringify(line)});`),
    "  assert.equal(add(1, 2), 3);",
    "});",
    "",
  ].join("\n");
}

export const CI_WORKFLOW =
  "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: node --test\n";

export function addProject(o: { printed?: readonly string[]; add?: string } = {}): Record<string, string> {
  return {
    "package.json": '{ "name": "adder", "type": "module", "scripts": { "test": "node --test" } }\n',
    "src/add.js": o.add ?? ADD_BROKEN,
    "test/add.test.js": addTest(o),
    ".github/workflows/ci.yml": CI_WORKFLOW,
  };
}

export const ADD_FIX = [
  "--- a/src/add.js",
  "+++ b/src/add.js",
  "@@ -1,3 +1,3 @@",
  " export function add(a, b) {",
  "-  return a - b;",
  "+  return a + b;",
  " }",
  "",
].join("\n");

export const call = {
  read: (path: string): ScriptedToolCall => ({ name: "read_file", arguments: { path } }),
  patch: (diff: string): ScriptedToolCall => ({ name: "apply_patch", arguments: { diff } }),
  check: (): ScriptedToolCall => ({ name: "run_check", arguments: {} }),
};

/** The model reads the code, then patches it and re-runs the check: two turns. */
export function twoTurnFix(): ScriptedTurn[] {
  return [
    { kind: "tool_calls", calls: [call.read("src/add.js")] },
    { kind: "tool_calls", calls: [call.patch(ADD_FIX), call.check()] },
  ];
}

export const LLM_CONFIG = {
  enabled: true,
  categories: ["test", "typecheck", "build", "lint"],
  maxTokensPerRun: 60_000,
  maxRunsPerDay: 20,
};

export function llmSettings(server: ScriptedLlmServer, o: Partial<LlmSettings> = {}): LlmSettings {
  return {
    baseURL: server.baseURL,
    apiKey: "sk-scripted",
    model: "scripted-model",
    priceInPer1k: 0.5,
    priceOutPer1k: 1.5,
    maxTurns: 8,
    maxRunsPerDayPerInstallation: 200,
    ...o,
  };
}

/** Retries as a real run makes them, recording each backoff instead of sleeping it. */
export function recordedRetry(sleeps: number[], attempts = 3): RetryPolicy {
  return {
    attempts,
    baseDelayMs: 1_000,
    maxDelayMs: 30_000,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
}

/** What `node --test` really prints for a project (run here, the way CI runs it). */
export function nodeTestOutput(dir: string): string {
  try {
    execFileSync("node", ["--test"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ""}${e.stderr ?? ""}`;
  }
  throw new Error(`node --test passes in ${dir}: nothing fails`);
}

/** Every message content the scripted server received, as one string (what left the machine). */
export function sentText(server: ScriptedLlmServer): string {
  return JSON.stringify(server.requests);
}
