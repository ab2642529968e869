import { SocketAddress, isIP } from "node:net";
import { SentinelError } from "../core/index.js";

/**
 * One entry of the egress allowlist: a host name, `*.suffix` (any name below suffix, not suffix
 * itself), or an IP literal; with an optional port. Without a port a rule allows CONNECT to 443
 * and plain HTTP to 80; with one, only that port.
 */
export interface HostRule {
  readonly host: string;
  readonly wildcard: boolean;
  readonly port?: number;
}

export type RequestKind = "connect" | "http";

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** A host name or IP literal, lower-cased, without brackets or trailing dot; null when neither. */
export function normalizeHost(text: string): string | null {
  let host = text.trim().toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  const v = isIP(host);
  if (v !== 0) return v === 6 ? new SocketAddress({ address: host, family: "ipv6" }).address : host;
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (host.length === 0 || host.length > 253) return null;
  const labels = host.split(".");
  if (!labels.every((l) => LABEL.test(l))) return null;
  // All-numeric names ("127.1", "2130706433") are addresses to getaddrinfo: never a name.
  if (/^[0-9]+$/.test(labels[labels.length - 1] as string) || /^0x/.test(labels[labels.length - 1] as string))
    return null;
  return host;
}

/** `host`, `host:port`, `[v6]:port` → host and port (undefined when absent); null when malformed. */
export function splitHostPort(text: string): { host: string; port: number | undefined } | null {
  const t = text.trim();
  let host = t;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracketed) [host, portText] = [bracketed[1] as string, bracketed[2]];
  else if ((t.match(/:/g) ?? []).length === 1) [host, portText] = t.split(":") as [string, string];
  if (portText === undefined) return { host, port: undefined };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  return port >= 1 && port <= 65535 ? { host, port } : null;
}

/** Parses one allowlist entry; throws a message naming what is wrong with it. */
export function parseHostRule(text: string): HostRule {
  const hp = splitHostPort(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim()))
    throw new SentinelError("E_HOST_RULE", `"${text}" is a URL: name a host, optionally with :port`);
  if (!hp) throw new SentinelError("E_HOST_RULE", `"${text}" has a bad port (1-65535)`);
  const wildcard = hp.host.startsWith("*.");
  const host = normalizeHost(wildcard ? hp.host.slice(2) : hp.host);
  if (!host) throw new SentinelError("E_HOST_RULE", `"${text}" is not a host name, *.suffix or IP address`);
  if (wildcard && (isIP(host) !== 0 || host.split(".").length < 2))
    throw new SentinelError(
      "E_HOST_RULE",
      `"${text}": a wildcard needs a suffix of at least two labels (*.example.com)`,
    );
  return { host, wildcard, ...(hp.port !== undefined ? { port: hp.port } : {}) };
}

export function formatHostRule(r: HostRule): string {
  const host = r.wildcard ? `*.${r.host}` : isIP(r.host) === 6 ? `[${r.host}]` : r.host;
  return r.port === undefined ? host : `${host}:${r.port}`;
}

function matches(rule: HostRule, host: string): boolean {
  return rule.wildcard ? host.endsWith(`.${rule.host}`) : host === rule.host;
}

/** Null when a rule lets `kind` reach host:port, else why not. `host` is normalized first. */
export function refuseByRules(
  rules: readonly HostRule[],
  rawHost: string,
  port: number,
  kind: RequestKind,
): string | null {
  const host = normalizeHost(rawHost);
  if (!host) return `"${rawHost}" is not a valid host name`;
  const candidates = rules.filter((r) => matches(r, host));
  if (candidates.length === 0)
    return isIP(host) !== 0
      ? `${host} is an IP address, not an allowlisted host name`
      : `${host} is not in the egress allowlist`;
  const fallback = kind === "connect" ? 443 : 80;
  if (!candidates.some((r) => (r.port ?? fallback) === port))
    return `port ${port} is not allowed for ${host} (${kind === "connect" ? "CONNECT" : "plain HTTP"})`;
  return null;
}
