import type OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { callModel, DEFAULT_RETRY, type RetryPolicy } from "./call-model.js";
import { createFence, type Fence } from "./fence.js";
import type { HandoffReason, LlmAccounting, LlmOutcome, LlmRunResult } from "./outcome.js";
import { buildMessages, type LlmTask } from "./prompt.js";
import { redactSecrets } from "./redact.js";
import type { LlmSettings } from "./settings.js";
import type { ToolOutput, WorktreeTools } from "./tools.js";

export interface LlmLimits {
  maxTurns: number;
  /** Input plus output tokens over the whole run. */
  maxTokens: number;
}

export const DEFAULT_LLM_LIMITS: LlmLimits = { maxTurns: 8, maxTokens: 60_000 };

export interface RunLlmPatchOptions {
  client: OpenAI;
  settings: Pick<LlmSettings, "model" | "priceInPer1k" | "priceOutPer1k">;
  tools: WorktreeTools;
  task: LlmTask;
  repositoryConfig?: string;
  limits?: LlmLimits;
  retry?: RetryPolicy;
  /** A fixed fence for tests; a run otherwise draws a random one. */
  fence?: Fence;
  now?: () => number;
  /** Epoch ms after which no model call starts (the pipeline run's own deadline). */
  deadline?: number;
}

/**
 * The agent's loop: ask the model, run the tools it calls, feed the results back, until run_check
 * passes (fixed), the model stops calling tools, or a limit is reached (handoff), or the endpoint
 * keeps failing (failed). It edits only the worktree it was given and never pushes.
 */
export async function runLlmPatch(o: RunLlmPatchOptions): Promise<LlmRunResult> {
  const now = o.now ?? Date.now;
  const started = now();
  const limits = o.limits ?? DEFAULT_LLM_LIMITS;
  const fence = o.fence ?? createFence();
  const built = buildMessages({ fence, repositoryConfig: o.repositoryConfig, task: o.task });
  const messages: ChatCompletionMessageParam[] = built.messages;
  const tried: string[] = [];
  const acc = { tokensIn: 0, tokensOut: 0, turns: 0, redactions: built.redactions };
  let lastPromptTokens = 0;

  const finish = (outcome: LlmOutcome): LlmRunResult => ({
    outcome,
    accounting: account(o.settings, acc, now() - started),
  });
  const handoff = (reason: HandoffReason, summary: string) => finish({ kind: "handoff", reason, tried, summary });

  for (;;) {
    if (acc.turns >= limits.maxTurns) return handoff("max-turns", `stopped after ${acc.turns} turns (the limit)`);
    if (o.deadline !== undefined && now() >= o.deadline)
      return handoff("deadline", `stopped after ${acc.turns} turns: the run's deadline passed`);
    const spent = acc.tokensIn + acc.tokensOut;
    if (spent >= limits.maxTokens) return handoff("token-budget", `stopped at ${spent} of ${limits.maxTokens} tokens`);
    // The conversation only grows, so the next prompt costs at least what the last one did: stop
    // before a request that is bound to overshoot the budget rather than after it.
    if (spent + lastPromptTokens > limits.maxTokens) {
      return handoff(
        "token-budget",
        `stopped at ${spent} of ${limits.maxTokens} tokens: the next request needs at least ${lastPromptTokens}`,
      );
    }
    const call = await callModel(
      o.client,
      { model: o.settings.model, messages, tools: o.tools.definitions, tool_choice: "auto" },
      o.retry ?? DEFAULT_RETRY,
    );
    if (call.ok) lastPromptTokens = call.usage.in;
    acc.tokensIn += call.usage.in;
    acc.tokensOut += call.usage.out;
    if (!call.ok) {
      const summary = `the model endpoint failed ${call.attempts} time(s): ${call.failure} (${call.detail})`;
      return finish({ kind: "failed", failure: call.failure, attempts: call.attempts, tried, summary });
    }
    acc.turns++;
    const { message } = call;
    const toolCalls = (message.tool_calls ?? []).filter((c) => c.type === "function");
    if (toolCalls.length === 0)
      return handoff("model-stopped", message.content?.trim() || "the model stopped without a fix");
    messages.push({ role: "assistant", content: message.content ?? null, tool_calls: toolCalls });
    for (const toolCall of toolCalls) {
      const args = JSON.parse(toolCall.function.arguments || "{}") as Record<string, unknown>;
      const output = await o.tools
        .call(toolCall.function.name, args)
        .catch((error: unknown): ToolOutput => ({ ok: false, error: `the tool failed: ${String(error)}` }));
      tried.push(describe(toolCall.function.name, args, output));
      const content = render(output, fence);
      acc.redactions += content.redactions;
      messages.push({ role: "tool", tool_call_id: toolCall.id, content: content.text });
      if (output.ok && output.check?.passed) {
        return finish({ kind: "fixed", tried, summary: `run_check passed after ${acc.turns} turn(s)` });
      }
    }
  }
}

/** A tool's output as the model sees it: untrusted text redacted and fenced, errors plain. */
function render(output: ToolOutput, fence: Fence): { text: string; redactions: number } {
  if (!output.ok) return { text: `error: ${output.error}`, redactions: 0 };
  const parts: string[] = [];
  if (output.check) parts.push(output.check.passed ? "The check passes." : "The check still fails.");
  if (output.note) parts.push(output.note);
  let redactions = 0;
  if (output.data) {
    const clean = redactSecrets(output.data.text);
    redactions = clean.count;
    parts.push(fence.wrap(output.data.label, clean.text));
  }
  return { text: parts.join("\n") || "ok", redactions };
}

/** One line per tool call for the handoff: what was tried, without file contents. */
function describe(name: string, args: Record<string, unknown>, output: ToolOutput): string {
  const target =
    typeof args.path === "string" ? ` ${args.path}` : typeof args.query === "string" ? ` "${args.query}"` : "";
  if (!output.ok) return `${name}${target}: refused (${output.error})`;
  if (output.check)
    return `${name}: ${output.check.passed ? "passed" : `still failing (${firstLine(output.check.summary)})`}`;
  if (output.files) return `${name}: changed ${output.files.join(", ")}`;
  return `${name}${target}`;
}

function firstLine(text: string): string {
  return redactSecrets(text.split("\n")[0] ?? "").text.slice(0, 200);
}

function account(
  settings: RunLlmPatchOptions["settings"],
  acc: { tokensIn: number; tokensOut: number; turns: number; redactions: number },
  wallMs: number,
): LlmAccounting {
  const cost = (acc.tokensIn / 1000) * settings.priceInPer1k + (acc.tokensOut / 1000) * settings.priceOutPer1k;
  return { model: settings.model, ...acc, cost: Math.round(cost * 1e6) / 1e6, wallMs };
}
