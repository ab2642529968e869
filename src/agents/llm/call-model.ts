import type OpenAI from "openai";
// The error classes alone: the client (and its ~150 modules) loads only when a model is called
// (settings.ts), so commands that never call one, such as `sentinel fix`, do not pay for it.
import { APIConnectionError, APIError, RateLimitError } from "openai/error";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessage,
} from "openai/resources/chat/completions";

/**
 * One model call with retries. 429, 5xx, unreachable endpoints and malformed responses are retried
 * with exponential backoff (a 429's retry-after is honoured, capped); anything else (400, 401, 404)
 * is the request's fault and is not. Either way the caller gets a value, never a throw, so the run
 * can end with an outcome that names what went wrong.
 */
export type CallFailure = "rate-limited" | "server-error" | "unreachable" | "malformed-response" | "request-refused";

export type CallResult =
  | { ok: true; message: ChatCompletionMessage; usage: { in: number; out: number }; attempts: number }
  | { ok: false; failure: CallFailure; detail: string; attempts: number; usage: { in: number; out: number } };

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injected so tests do not wait; records what a real run would sleep. */
  sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function callModel(
  client: OpenAI,
  params: ChatCompletionCreateParamsNonStreaming,
  retry: RetryPolicy,
): Promise<CallResult> {
  // Tokens of a malformed but billed response still count against the budget.
  const usage = { in: 0, out: 0 };
  let last: { failure: CallFailure; detail: string; retryAfterMs?: number } = { failure: "unreachable", detail: "" };
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    if (attempt > 1) {
      const backoff = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 2));
      await retry.sleep(Math.min(retry.maxDelayMs, Math.max(backoff, last.retryAfterMs ?? 0)));
    }
    try {
      const completion = await client.chat.completions.create(params);
      usage.in += completion.usage?.prompt_tokens ?? 0;
      usage.out += completion.usage?.completion_tokens ?? 0;
      const problem = malformation(completion);
      if (!problem) return { ok: true, message: completion.choices[0]!.message, usage, attempts: attempt };
      last = { failure: "malformed-response", detail: problem };
    } catch (error) {
      last = classify(error);
      if (last.failure === "request-refused") return { ok: false, ...last, attempts: attempt, usage };
    }
  }
  return { ok: false, failure: last.failure, detail: last.detail, attempts: retry.attempts, usage };
}

/** Why a parsed completion cannot be acted on, or undefined when it can. */
function malformation(completion: ChatCompletion): string | undefined {
  const message = (completion as Partial<ChatCompletion>).choices?.[0]?.message;
  if (!message || typeof message !== "object") return "the response has no choices[0].message";
  for (const call of message.tool_calls ?? []) {
    if (call.type !== "function") return `unsupported tool call type ${String(call.type)}`;
    try {
      const args: unknown = JSON.parse(call.function.arguments || "{}");
      if (typeof args !== "object" || args === null || Array.isArray(args)) return "tool arguments are not an object";
    } catch {
      // The parse error itself says nothing the model's retry needs; the outcome names the tool.
      return `tool call ${call.function.name} has arguments that are not JSON`;
    }
  }
  return undefined;
}

function classify(error: unknown): { failure: CallFailure; detail: string; retryAfterMs?: number } {
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof RateLimitError) {
    const seconds = Number(error.headers?.get("retry-after"));
    return { failure: "rate-limited", detail, retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : undefined };
  }
  if (error instanceof APIConnectionError) return { failure: "unreachable", detail };
  if (error instanceof APIError && error.status !== undefined && error.status >= 500) {
    return { failure: "server-error", detail };
  }
  if (error instanceof APIError) return { failure: "request-refused", detail };
  // The client throws a SyntaxError when a 200 body is not JSON.
  if (error instanceof SyntaxError) return { failure: "malformed-response", detail };
  return { failure: "request-refused", detail };
}
