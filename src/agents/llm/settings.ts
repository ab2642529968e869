import type OpenAI from "openai";
import { SentinelError } from "../../core/index.js";
import { DEFAULT_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION, DEFAULT_LLM_MAX_TURNS } from "./defaults.js";

/** Where the llm-patch agent sends its requests, and what a token costs there. */
export interface LlmSettings {
  baseURL: string;
  apiKey: string;
  model: string;
  priceInPer1k: number;
  priceOutPer1k: number;
  /** Model calls one run may make before it hands off. */
  maxTurns: number;
  /** Model runs one installation (a GitHub App installation; a GitLab deployment's token) may start per UTC day. */
  maxRunsPerDayPerInstallation: number;
}

/** The variables this reads, as the env schema (src/config/env) parses them; a composition root passes its ParsedEnv. */
export interface LlmEnv {
  SENTINEL_LLM_BASE_URL?: string;
  SENTINEL_LLM_API_KEY?: string;
  SENTINEL_LLM_MODEL?: string;
  SENTINEL_LLM_PRICE_IN_PER_1K: number;
  SENTINEL_LLM_PRICE_OUT_PER_1K: number;
  SENTINEL_LLM_MAX_TURNS?: number;
  SENTINEL_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION?: number;
}

/**
 * The agent's settings from the parsed environment, or undefined when no endpoint is configured
 * (the agent is off). An endpoint without a model is a configuration error (parseEnv says so at start too).
 */
export function llmSettingsFromEnv(env: LlmEnv): LlmSettings | undefined {
  if (!env.SENTINEL_LLM_BASE_URL) return undefined;
  if (!env.SENTINEL_LLM_MODEL) {
    throw new SentinelError("E_ENV_INVALID", "SENTINEL_LLM_BASE_URL needs SENTINEL_LLM_MODEL (the model to ask)");
  }
  return {
    baseURL: env.SENTINEL_LLM_BASE_URL,
    // Local servers (Ollama, vLLM) ignore the key, but the client refuses to start without one.
    apiKey: env.SENTINEL_LLM_API_KEY ?? "unused",
    model: env.SENTINEL_LLM_MODEL,
    priceInPer1k: env.SENTINEL_LLM_PRICE_IN_PER_1K,
    priceOutPer1k: env.SENTINEL_LLM_PRICE_OUT_PER_1K,
    maxTurns: env.SENTINEL_LLM_MAX_TURNS ?? DEFAULT_LLM_MAX_TURNS,
    maxRunsPerDayPerInstallation:
      env.SENTINEL_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION ?? DEFAULT_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION,
  };
}

/**
 * The client; its own retries are off because call-model.ts retries with an outcome it can report.
 * The package loads here, on the first model call, not when the agents load.
 */
export async function createLlmClient(
  settings: Pick<LlmSettings, "baseURL" | "apiKey">,
  timeoutMs = 120_000,
): Promise<OpenAI> {
  const { default: OpenAI } = await import("openai");
  return new OpenAI({ baseURL: settings.baseURL, apiKey: settings.apiKey, maxRetries: 0, timeout: timeoutMs });
}
