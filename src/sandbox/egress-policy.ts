import { spawnSync } from "node:child_process";
import { isOptInPrivate, parseCidr } from "./address-policy.js";
import { formatHostRule, normalizeHost, parseHostRule, type HostRule } from "./host-rules.js";
import { SandboxError } from "./sandbox-error.js";

/** What a network step may reach through the egress proxy. */
export interface EgressPolicy {
  readonly allow: readonly HostRule[];
  /** Private subnets (RFC 1918, CGNAT, ULA) an internal registry mirror lives in; empty by default. */
  readonly allowPrivate: readonly string[];
}

let npmRegistryOfThisMachine: { value: string | undefined } | undefined;

/**
 * The npm registry the worker itself uses, as `npm config get registry` prints it. Asked once per
 * process (starting npm takes a few hundred milliseconds, and its global config does not change
 * under a running worker), like detectSandbox.
 */
function npmConfigRegistry(): string | undefined {
  if (!npmRegistryOfThisMachine) {
    const r = spawnSync("npm", ["config", "get", "registry"], { encoding: "utf8", timeout: 15_000 });
    npmRegistryOfThisMachine = { value: r.status === 0 ? r.stdout.trim() || undefined : undefined };
  }
  return npmRegistryOfThisMachine.value;
}

/** The host (and non-default port) of a registry URL, as an allowlist rule. */
function ruleOfUrl(url: string): HostRule | null {
  try {
    const u = new URL(url.replace(/^(sparse|registry|git)\+/, ""));
    if (u.protocol !== "https:" && u.protocol !== "http:") return null;
    const host = normalizeHost(u.hostname);
    if (!host) return null;
    return { host, wildcard: false, ...(u.port ? { port: Number(u.port) } : {}) };
  } catch {
    // Not a URL: the caller reports the entry as unusable.
    return null;
  }
}

/**
 * The registries the worker is configured with: npm's (`npm_config_registry` or what
 * `npm config get registry` says), pip's index URLs, the Go proxies, cargo's registries.
 */
export function defaultRegistryRules(
  env: NodeJS.ProcessEnv,
  npmRegistry: () => string | undefined = npmConfigRegistry,
): HostRule[] {
  const urls: string[] = [];
  const npm = env.npm_config_registry ?? env.NPM_CONFIG_REGISTRY ?? npmRegistry();
  if (npm) urls.push(npm);
  for (const name of ["PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"]) urls.push(...(env[name] ?? "").split(/\s+/));
  urls.push(...(env.GOPROXY ?? "").split(/[,|]/));
  for (const [name, value] of Object.entries(env))
    if (/^CARGO_REGISTRIES_[A-Z0-9_]+_INDEX$/.test(name) && value) urls.push(value);
  const rules = urls
    .map((u) => u.trim())
    .filter(Boolean)
    .map(ruleOfUrl)
    .filter((r): r is HostRule => r !== null);
  const seen = new Set<string>();
  return rules.filter((r) => !seen.has(formatHostRule(r)) && seen.add(formatHostRule(r)));
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The egress policy from the environment. `SENTINEL_EGRESS_ALLOW`: comma-separated hosts,
 * `*.suffix` wildcards and `host:port` (set but empty: nothing); unset: the registries the
 * worker is configured with. `SENTINEL_EGRESS_ALLOW_PRIVATE`: comma-separated CIDRs inside
 * RFC 1918, CGNAT or ULA space that an internal mirror lives in.
 */
export function egressFromEnv(env: NodeJS.ProcessEnv, npmRegistry?: () => string | undefined): EgressPolicy {
  let allow: HostRule[] | null = null;
  if (env.SENTINEL_EGRESS_ALLOW !== undefined) {
    allow = list(env.SENTINEL_EGRESS_ALLOW).map((entry) => {
      try {
        return parseHostRule(entry);
      } catch (error) {
        throw new SandboxError("E_SANDBOX_CONFIG", `SENTINEL_EGRESS_ALLOW: ${(error as Error).message}`, {
          cause: error,
        });
      }
    });
  }
  const allowPrivate = list(env.SENTINEL_EGRESS_ALLOW_PRIVATE ?? "").map((entry) => {
    const c = parseCidr(entry);
    if (!c)
      throw new SandboxError(
        "E_SANDBOX_CONFIG",
        `SENTINEL_EGRESS_ALLOW_PRIVATE: "${entry}" is not a CIDR (10.20.0.0/16, fd12:3456::/48)`,
      );
    if (!isOptInPrivate(c)) {
      throw new SandboxError(
        "E_SANDBOX_CONFIG",
        `SENTINEL_EGRESS_ALLOW_PRIVATE: "${entry}" is not inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10 or fc00::/7, or holds a metadata address; loopback, link-local and metadata addresses can never be opened`,
      );
    }
    return entry;
  });
  if (allow) return { allow, allowPrivate };
  // The registries the worker is configured with are read when a network step first needs them:
  // asking npm costs a process start (a few hundred ms) that a run with no network step never pays.
  let defaults: HostRule[] | undefined;
  return {
    get allow() {
      defaults ??= defaultRegistryRules(env, npmRegistry);
      return defaults;
    },
    allowPrivate,
  };
}
