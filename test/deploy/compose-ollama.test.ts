import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { envSchema } from "../../src/config/env/index.js";
import { read } from "./deploy-support.js";

// deploy/compose.yaml's optional Ollama for the llm-patch agent (the `ollama` profile); the file
// itself is checked against the Compose Specification in compose.test.ts.

interface Service {
  image?: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test?: string[] };
  secrets?: string[];
}
const compose = YAML.parse(read("deploy/compose.yaml"), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};
const { ollama, "ollama-pull": pull, server, worker } = compose.services as Record<string, Service>;

describe("deploy/compose.yaml's ollama profile", () => {
  it("starts Ollama and its model pull only when the profile is asked for", () => {
    expect(ollama!.profiles).toEqual(["ollama"]);
    expect(pull!.profiles).toEqual(["ollama"]);
    for (const [name, s] of Object.entries(compose.services))
      if (!name.startsWith("ollama")) expect(s.profiles, name).toBeUndefined();
  });

  it("runs a pinned Ollama on a volume of its own, published nowhere, healthy once it answers", () => {
    expect(ollama!.image).toMatch(/^ollama\/ollama:\d+\.\d+\.\d+$/);
    expect(pull!.image).toBe(ollama!.image);
    expect(ollama!.ports).toBeUndefined();
    expect(ollama!.volumes).toEqual(["ollama:/root/.ollama"]);
    expect(compose.volumes).toHaveProperty("ollama");
    expect(ollama!.healthcheck!.test).toEqual(["CMD", "ollama", "list"]);
  });

  it("pulls SENTINEL_OLLAMA_MODEL through the compose network once Ollama is healthy", () => {
    expect(pull!.command).toEqual(["pull", "${SENTINEL_OLLAMA_MODEL:-qwen2.5-coder:7b}"]);
    expect(pull!.environment).toEqual({ OLLAMA_HOST: "http://ollama:11434" });
    expect(pull!.depends_on).toEqual({ ollama: { condition: "service_healthy" } });
  });

  it("gives Sentinel the endpoint and model from deploy/.env, and the endpoint's key as a secret file", () => {
    for (const s of [server!, worker!]) {
      expect(s.environment!.SENTINEL_LLM_BASE_URL).toBe("${SENTINEL_LLM_BASE_URL:-}");
      expect(s.environment!.SENTINEL_LLM_MODEL).toBe("${SENTINEL_LLM_MODEL:-}");
      expect(s.environment!.SENTINEL_LLM_API_KEY_FILE).toBe("/run/secrets/llm_api_key");
      expect(s.secrets).toContain("llm_api_key");
    }
    expect(compose.secrets.llm_api_key!.file).toBe("./secrets/llm_api_key");
  });

  it("passes every SENTINEL_LLM_* variable the app reads to the server and the worker, from deploy/.env or a secret file", () => {
    const llmKeys = Object.keys(envSchema.shape).filter((k) => k.startsWith("SENTINEL_LLM_"));
    expect(llmKeys).toContain("SENTINEL_LLM_MAX_TURNS");
    for (const [name, s] of Object.entries({ server: server!, worker: worker! })) {
      const env = s.environment!;
      const missing = llmKeys.filter((k) => env[k] !== `\${${k}:-}` && env[`${k}_FILE`] === undefined);
      expect(missing, name).toEqual([]);
    }
  });
});
