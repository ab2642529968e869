import { beforeAll, describe, expect, it } from "vitest";
import { envSchema } from "../../src/config/env/index.js";
import { find, helmOrSkip, NAMESPACE, RELEASE, render, type K8sObject } from "./deploy-support.js";
import { allowed, type Endpoint } from "./network-policy.js";

// The chart's optional Ollama for the llm-patch agent (llm.ollama), rendered by the pinned Helm:
// ci/full-values.yaml turns it on, ci/minimal-values.yaml leaves it off.

const ollama = `${RELEASE}-sentinel-ollama`;
let helmPath: string | null = null;
let full: K8sObject[] = [];
let minimal: K8sObject[] = [];

beforeAll(() => {
  helmPath = helmOrSkip();
  if (!helmPath) return;
  full = render(helmPath, "full-values.yaml");
  minimal = render(helmPath, "minimal-values.yaml");
}, 120_000);

const config = (objects: K8sObject[]) => find(objects, "ConfigMap", `${RELEASE}-sentinel`).data!;
const podOf = (objects: K8sObject[], name: string, port: number): Endpoint => ({
  ip: "10.1.0.30",
  pod: { labels: find(objects, "Deployment", name).spec.template.metadata.labels, namespace: NAMESPACE },
  ports: { http: port },
});

describe.skipIf(!quietHelm())("the Helm chart's Ollama profile (llm.ollama)", () => {
  it("renders nothing of the model, and no endpoint, unless asked", () => {
    expect(minimal.filter((o) => o.metadata.name === ollama)).toEqual([]);
    expect(Object.keys(config(minimal)).filter((k) => k.startsWith("SENTINEL_LLM_"))).toEqual([]);
  });

  it("runs Ollama next to Sentinel, on a volume of its own, and points the agent at it", () => {
    expect(full.filter((o) => o.metadata.name === ollama).map((o) => o.kind)).toEqual(
      expect.arrayContaining(["PersistentVolumeClaim", "Deployment", "Service", "NetworkPolicy"]),
    );
    const d = find(full, "Deployment", ollama);
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe("ollama/ollama:0.9.0");
    expect(c.env).toContainEqual({ name: "OLLAMA_PULL_MODEL", value: "qwen2.5-coder:14b" });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(d.spec.template.spec.nodeSelector).toEqual({ accelerator: "nvidia-l4" });
    expect(find(full, "PersistentVolumeClaim", ollama).spec).toMatchObject({
      storageClassName: "fast-ssd",
      resources: { requests: { storage: "40Gi" } },
    });
    expect(find(full, "Service", ollama).spec.ports).toEqual([
      { name: "http", port: 11434, targetPort: "http", protocol: "TCP" },
    ]);
    expect(config(full)).toMatchObject({
      SENTINEL_LLM_BASE_URL: `http://${ollama}:11434/v1`,
      SENTINEL_LLM_MODEL: "qwen2.5-coder:14b",
      SENTINEL_LLM_PRICE_IN_PER_1K: "0",
      SENTINEL_LLM_MAX_TURNS: "6",
      SENTINEL_LLM_MAX_RUNS_PER_DAY_PER_INSTALLATION: "100",
    });
    expect(find(full, "Secret", `${RELEASE}-sentinel`).stringData!.SENTINEL_LLM_API_KEY).toBe("sk-example");
  });

  it("lets only the workers reach the model, and the model only DNS and HTTPS on the internet (to pull)", () => {
    const np = full.filter((o) => o.kind === "NetworkPolicy");
    const model = podOf(full, ollama, 11434);
    const worker = podOf(full, `${RELEASE}-sentinel-worker`, 3000);
    const server = podOf(full, `${RELEASE}-sentinel-server`, 3000);
    expect(allowed(np, NAMESPACE, worker, model, 11434)).toBe(true);
    expect(allowed(np, NAMESPACE, server, model, 11434)).toBe(false);
    expect(
      allowed(np, NAMESPACE, { ip: "10.9.0.1", pod: { labels: { app: "x" }, namespace: "other" } }, model, 11434),
    ).toBe(false);
    expect(allowed(np, NAMESPACE, model, { ip: "104.18.0.1" }, 443)).toBe(true);
    expect(allowed(np, NAMESPACE, model, { ip: "10.40.0.5" }, 5432)).toBe(false);
    expect(allowed(np, NAMESPACE, model, { ip: "169.254.169.254" }, 443)).toBe(false);
  });

  it("sets every SENTINEL_LLM_* variable the app reads, from the chart's values, the key in the Secret", () => {
    const llmKeys = Object.keys(envSchema.shape).filter((k) => k.startsWith("SENTINEL_LLM_"));
    expect(llmKeys).toContain("SENTINEL_LLM_MAX_TURNS");
    const set = [...Object.keys(config(full)), ...Object.keys(find(full, "Secret", `${RELEASE}-sentinel`).stringData!)];
    expect(llmKeys.filter((k) => !set.includes(k))).toEqual([]);
  });

  it("takes an endpoint of your own instead, with its model and no Ollama", () => {
    const own = render(helmPath!, "minimal-values.yaml", [
      "llm.baseUrl=https://llm.example.com/v1",
      "llm.model=gpt-4o-mini",
      "secrets.llmApiKey=sk-own",
    ]);
    expect(config(own)).toMatchObject({
      SENTINEL_LLM_BASE_URL: "https://llm.example.com/v1",
      SENTINEL_LLM_MODEL: "gpt-4o-mini",
    });
    expect(own.filter((o) => o.metadata.name === ollama)).toEqual([]);
  });

  it("refuses an endpoint without a model, a URL with credentials in it, and an empty Ollama model", () => {
    const refused = (set: string[], message: RegExp) =>
      expect(() => render(helmPath!, "minimal-values.yaml", set)).toThrow(message);
    refused(["llm.baseUrl=https://llm.example.com/v1"], /llm\/model/);
    refused(["llm.baseUrl=https://user:key@llm.example.com/v1", "llm.model=m"], /llm\/baseUrl/);
    refused(["llm.ollama.enabled=true", "llm.ollama.model="], /llm\/ollama\/model/);
  });
});

function quietHelm(): boolean {
  try {
    return helmOrSkip() !== null;
  } catch {
    return true; // in CI: run, and let beforeAll fail loudly
  }
}
