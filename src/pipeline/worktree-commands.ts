import type { PlannedStep } from "../agents/index.js";
import { runCommand, type RunCommandResult } from "../sandbox/index.js";
import {
  createClassifier,
  preloadPatternEngine,
  type Classifier,
  type ClassifierOptions,
  type Diagnosis,
} from "../sentinel/index.js";
import type { Worktree } from "../workspace/index.js";
import type { RunContext } from "./run-context.js";
import { RunStop } from "./run-stop.js";

/** Runs a command in the worktree, under the sandbox, with its output read by the sentinels as it streams. */
export async function classifyRun(
  ctx: RunContext,
  command: readonly string[],
  opts: StepRunOptions,
): Promise<{ result: RunCommandResult; diagnosis: Diagnosis }> {
  const run = await runInWorktree(ctx, command, opts, true);
  return { result: run.result, diagnosis: run.classifier().end({ exitCode: run.result.exitCode ?? 1 }) };
}

/**
 * Runs a step whose output matters only when it fails (a fixer's step, an install): the sentinels
 * read it then (or as it streams, when someone watches the run live). A step that exited 0 is done
 * whatever it printed, and the classifier for its command would be a literal table of its own to
 * build (tens of milliseconds, more than most fixers take).
 */
export async function runStep(
  ctx: RunContext,
  command: readonly string[],
  opts: StepRunOptions,
): Promise<{ result: RunCommandResult; diagnosis: Diagnosis | null }> {
  const streamed = Boolean(ctx.deps.live);
  const run = await runInWorktree(ctx, command, opts, streamed);
  const exitCode = run.result.exitCode ?? 1;
  if (exitCode === 0 && !streamed) return { result: run.result, diagnosis: null };
  const classifier = run.classifier();
  // Not streamed: what the step printed (up to the output cap) is read now.
  if (!streamed) classifier.write(run.result.output);
  return { result: run.result, diagnosis: classifier.end({ exitCode }) };
}

interface StepRunOptions {
  readonly step: string;
  readonly network?: boolean;
  readonly timeoutMs?: number;
}

async function runInWorktree(
  ctx: RunContext,
  command: readonly string[],
  opts: StepRunOptions,
  streamed: boolean,
): Promise<{ result: RunCommandResult; classifier: () => Classifier }> {
  const { deps, runId } = ctx;
  const refusals: Array<Promise<void>> = [];
  const wt = ctx.worktree as Worktree;
  // Set up once the command runs, not before: building a prefilter for this command's sentinels
  // and loading the regex engine take tens of milliseconds that the command's own run hides.
  let classifier: Classifier | undefined;
  let setUpFailed: unknown;
  const setUp = (): Classifier => {
    classifier ??= createClassifier(deps.rules, classifierOptions(ctx, command, opts.step));
    preloadPatternEngine();
    return classifier;
  };
  const result = await runCommand({
    command,
    workdir: wt.path,
    timeoutMs: opts.timeoutMs ?? 300_000,
    maxOutputBytes: deps.maxOutputBytes ?? 4 * 1024 * 1024,
    sandbox: deps.sandbox,
    ...(opts.network ? { network: true } : {}),
    ...(deps.readOnlyPaths ? { readOnlyPaths: deps.readOnlyPaths } : {}),
    env: ctx.command.env,
    writablePaths: ctx.command.writable,
    ...(ctx.command.home ? { home: ctx.command.home } : {}),
    ...(deps.egress ? { egress: deps.egress } : {}),
    ...(deps.limits ? { limits: deps.limits } : {}),
    ...(deps.cgroupRoot !== undefined ? { cgroupRoot: deps.cgroupRoot } : {}),
    deadline: ctx.deadline,
    // Every connection the egress proxy refused is in the ledger: what a fixer tried to reach.
    onEgressRefused: (r) => void refusals.push(deps.runs.record(runId, "egress.refused", { step: opts.step, ...r })),
    ...(streamed
      ? {
          onSpawn: () => {
            try {
              setUp();
            } catch (error) {
              // Thrown from inside the sandbox's spawn it would orphan the command: raised once it ended.
              setUpFailed = error;
            }
          },
          onLine: (line: string) => classifier?.write(line + "\n"),
        }
      : {}),
  });
  await Promise.all(refusals);
  if (setUpFailed !== undefined) throw setUpFailed;
  return { result, classifier: setUp };
}

/** How a step's output is classified: as shell output of this command, published live when someone watches. */
function classifierOptions(ctx: RunContext, command: readonly string[], step: string): ClassifierOptions {
  const { runId } = ctx;
  const live = ctx.deps.live;
  const wt = ctx.worktree as Worktree;
  return {
    source: "shell",
    command: command.join(" "),
    workspaceRoots: [wt.path],
    // Watched runs look at every line so viewers see all of it; the diagnosis is the same.
    ...(live
      ? {
          everyLine: true,
          onEvent: (e) => {
            if (e.type !== "line") return;
            const f = e.finding;
            live.publish(runId, {
              kind: "line",
              step,
              lineNumber: e.lineNumber,
              text: e.text,
              ...(f
                ? {
                    finding: {
                      classification: f.classification,
                      category: f.category,
                      severity: f.severity,
                      ruleId: f.ruleId,
                    },
                  }
                : {}),
            });
          },
        }
      : {}),
  };
}

/** Runs one planned step, retried or escalated as the recipe says; every attempt is in the ledger. */
export async function executeStep(ctx: RunContext, step: PlannedStep): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    // A failed step's output is read by the sentinels: what it reports is in the ledger.
    const { result: r, diagnosis: seen } = await runStep(ctx, step.command, {
      step: step.id,
      network: step.network,
      timeoutMs: step.timeoutMs,
    });
    ctx.deps.runs.note(ctx.runId, "command", {
      step: step.id,
      command: step.command,
      exitCode: r.exitCode,
      timedOut: r.timedOut,
      ms: r.durationMs,
      sandboxed: r.sandboxed,
      limit: r.limit,
      egressRefusals: r.egressRefusals,
      // Only a failed step's output was read: one that exited 0 is done, whatever it printed.
      diagnosis: seen ? { status: seen.status, category: seen.category, summary: seen.summary } : null,
      outputTail: r.output.slice(-2000),
    });
    if (r.exitCode === 0) return;
    stopAtLimit(step.id, r);
    ctx.budget.error(`${step.id}:${r.timedOut ? "timeout" : r.exitCode}`, r.output.slice(-300));
    checkBudget(ctx);
    if (step.onError === "continue") return;
    if (step.onError === "retry" && attempt < step.retries) continue;
    if (step.onError === "escalate")
      throw new RunStop("escalated", `step ${step.id} failed and the recipe escalates: ${lastLine(r.output)}`);
    throw new RunStop(
      "error",
      `step ${step.id} failed (exit ${r.timedOut ? "timeout" : r.exitCode}): ${lastLine(r.output)}`,
    );
  }
}

/**
 * A step ended by a resource limit (memory, processes, /tmp, disk) or by the run's deadline ends
 * the run: retrying would hit the same wall. A step's own timeout is an ordinary failure.
 */
export function stopAtLimit(step: string, r: RunCommandResult): void {
  if (!r.limit || r.limit === "timeout") return;
  const what = r.limit === "deadline" ? "the run's deadline" : `its ${r.limit} limit`;
  throw new RunStop(
    "resource-limit",
    `step ${step} was stopped by ${what}${r.limit === "deadline" ? "" : " (see the operations guide for the SENTINEL_STEP_* limits)"}`,
    `sandbox.${r.limit}`,
  );
}

/** A run over its error budget is handed to a human (and its agent revoked). */
export function checkBudget(ctx: RunContext): void {
  const over = ctx.budget.exceeded();
  if (over) throw new RunStop("escalated", `error budget exceeded: ${over}`);
}

function lastLine(output: string): string {
  return output.trim().split("\n").pop()?.slice(0, 300) ?? "";
}
