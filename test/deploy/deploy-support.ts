import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { helmBinary } from "../../scripts/deploy-helm.mjs";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const chartDir = path.join(repoRoot, "deploy", "helm", "sentinel");
export const read = (relative: string): string => readFileSync(path.join(repoRoot, relative), "utf8");

/** The image's user; the chart, compose file and docs must agree with it. */
export const IMAGE_UID = 10001;

/** The secret environment variables the app reads (README, "Running it for real"; docs/hardening.md). */
export const SECRET_ENV = [
  "APP_ID",
  "PRIVATE_KEY",
  "WEBHOOK_SECRET",
  "GITLAB_WEBHOOK_SECRET",
  "GITLAB_TOKEN",
  "SLACK_SIGNING_SECRET",
  "SLACK_BOT_TOKEN",
  "SENTINEL_DASHBOARD_TOKEN",
  "DATABASE_URL",
  "REDIS_URL",
  "DATABASE_MIGRATION_URL",
  "SENTINEL_LEDGER_CHECKPOINT_TOKEN",
  "SENTINEL_LLM_API_KEY",
] as const;

/** The one secret the long-running server and workers must never hold: the schema owner's URL. */
export const OWNER_ONLY_ENV = ["DATABASE_MIGRATION_URL"] as const;

/** The secrets the server and worker roles hold. */
export const ROLE_SECRET_ENV = SECRET_ENV.filter((n) => !(OWNER_ONLY_ENV as readonly string[]).includes(n));

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Rendered manifests are checked field by field (and against Kubernetes' schemas elsewhere).
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/**
 * The pinned Helm (scripts/deploy-helm.mjs), or null with the reason. In CI a missing Helm is a
 * failure, not a skip: the chart must be checked there.
 */
export function helmOrSkip(): string | null {
  const helm = helmBinary();
  if (helm.path) return helm.path;
  if (process.env.CI === "true") throw new Error(`Helm is required in CI: ${helm.unavailable}`);
  console.warn(`\n*** SKIPPING the Helm chart tests: ${helm.unavailable} ***\n`);
  return null;
}

/** Runs helm; returns stdout, or throws with helm's stderr (the message tests look at). */
export function helm(helmPath: string, args: string[]): string {
  try {
    return execFileSync(helmPath, args, {
      cwd: chartDir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        HELM_CACHE_HOME: "/tmp/sentinel-helm-cache",
        HELM_CONFIG_HOME: "/tmp/sentinel-helm-config",
        HELM_DATA_HOME: "/tmp/sentinel-helm-data",
      },
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(e.stderr || e.message, { cause: error });
  }
}

export const RELEASE = "prod";
export const NAMESPACE = "sentinel";

/** `helm template` of the chart with a ci/ values file and --set pairs, as parsed objects. */
export function render(helmPath: string, valuesFile: string, set: string[] = []): K8sObject[] {
  const out = helm(helmPath, [
    "template",
    RELEASE,
    ".",
    "--namespace",
    NAMESPACE,
    "-f",
    path.join("ci", valuesFile),
    ...set.flatMap((s) => ["--set", s]),
  ]);
  return YAML.parseAllDocuments(out)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`helm template printed invalid YAML: ${d.errors[0]!.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in: ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return o;
}
