import { afterEach, describe, expect, it } from "vitest";
import { createLlmClient, llmSettingsFromEnv } from "../../../src/agents/llm/index.js";
import { parseEnv } from "../../../src/config/index.js";
import { startScriptedLlmServer, type ScriptedLlmServer } from "../../support/scripted-llm-server.js";

const PRICES = { SENTINEL_LLM_PRICE_IN_PER_1K: 0, SENTINEL_LLM_PRICE_OUT_PER_1K: 0 };

let server: ScriptedLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("the llm-patch agent's settings", () => {
  it("are absent, so the agent is off, when no endpoint is configured", () => {
    expect(llmSettingsFromEnv({ ...PRICES, SENTINEL_LLM_MODEL: "m" })).toBeUndefined();
  });

  it("refuse an endpoint without a model", () => {
    expect(() => llmSettingsFromEnv({ ...PRICES, SENTINEL_LLM_BASE_URL: "http://ollama:11434/v1" })).toThrow(
      "SENTINEL_LLM_MODEL",
    );
  });

  it("are refused at start when an endpoint names no model", () => {
    expect(() => parseEnv({ SENTINEL_LLM_BASE_URL: "http://ollama:11434/v1" })).toThrow(
      "SENTINEL_LLM_BASE_URL needs SENTINEL_LLM_MODEL",
    );
  });

  it("take the prices the env schema parsed as decimals", () => {
    const parsed = parseEnv({
      SENTINEL_LLM_BASE_URL: "https://api.example.invalid/v1",
      SENTINEL_LLM_MODEL: "m",
      SENTINEL_LLM_PRICE_IN_PER_1K: "0.00015",
      SENTINEL_LLM_PRICE_OUT_PER_1K: "0.0006",
    });
    expect(llmSettingsFromEnv(parsed)).toMatchObject({ priceInPer1k: 0.00015, priceOutPer1k: 0.0006, model: "m" });
  });

  it("build a client that sends the key as a bearer token to the configured base URL", async () => {
    server = await startScriptedLlmServer([{ kind: "message", content: "hello" }]);
    const settings = llmSettingsFromEnv({
      ...PRICES,
      SENTINEL_LLM_BASE_URL: server.baseURL,
      SENTINEL_LLM_MODEL: "m",
      SENTINEL_LLM_API_KEY: "sk-test",
    })!;
    const response = await (await createLlmClient(settings)).chat.completions.create({ model: "m", messages: [] });
    expect(response.choices[0]!.message.content).toBe("hello");
  });
});
