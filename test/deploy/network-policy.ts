import type { K8sObject } from "./deploy-support.js";

/**
 * Kubernetes NetworkPolicy semantics, enough to ask what the chart's policies allow: a pod is
 * isolated for a direction once a policy of that type selects it, and then only connections some
 * rule of those policies allows get through; a rule matches when one of its ports and one of its
 * peers do (a missing list matches everything). Peers: ipBlock by IPv4 address (IPv6 blocks never
 * match an IPv4 address), podSelector / namespaceSelector by matchLabels. Not modelled:
 * matchExpressions (throws), endPort, and the node's own traffic, which is always allowed.
 */

export interface Endpoint {
  readonly ip: string;
  /** A pod's labels and namespace; absent for an address outside the cluster. */
  readonly pod?: {
    readonly labels: Readonly<Record<string, string>>;
    readonly namespace: string;
    readonly namespaceLabels?: Readonly<Record<string, string>>;
  };
  /** Named container ports, for rules that name a port ("http"). */
  readonly ports?: Readonly<Record<string, number>>;
}

interface Peer {
  ipBlock?: { cidr: string; except?: string[] };
  podSelector?: Selector;
  namespaceSelector?: Selector;
}
interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}
interface Rule {
  ports?: Array<{ port?: number | string; protocol?: string }>;
  to?: Peer[];
  from?: Peer[];
}

/** Whether `from` may open a connection to `to` on `port`, under `policies` (all in `namespace`). */
export function allowed(
  policies: readonly K8sObject[],
  namespace: string,
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: "TCP" | "UDP" = "TCP",
): boolean {
  const egressOk = permits(policies, namespace, "Egress", from, to, port, protocol);
  const ingressOk = permits(policies, namespace, "Ingress", to, from, port, protocol);
  return egressOk && ingressOk;
}

function permits(
  policies: readonly K8sObject[],
  namespace: string,
  type: "Ingress" | "Egress",
  subject: Endpoint,
  other: Endpoint,
  port: number,
  protocol: string,
): boolean {
  if (!subject.pod || subject.pod.namespace !== namespace) return true; // not governed by these policies
  const selecting = policies.filter(
    (p) =>
      p.kind === "NetworkPolicy" &&
      (p.spec.policyTypes as string[]).includes(type) &&
      selects(p.spec.podSelector as Selector, subject.pod!.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (((type === "Ingress" ? p.spec.ingress : p.spec.egress) as Rule[] | undefined) ?? []).some((rule) => {
      const peers = type === "Ingress" ? rule.from : rule.to;
      // Egress ports are the destination's; ingress ports are the subject's own (named or not).
      const target = type === "Ingress" ? subject : other;
      const portOk =
        !rule.ports ||
        rule.ports.length === 0 ||
        rule.ports.some(
          (r) =>
            (r.protocol ?? "TCP") === protocol &&
            (r.port === undefined ||
              r.port === port ||
              (typeof r.port === "string" && target.ports?.[r.port] === port)),
        );
      return portOk && (!peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, other, namespace)));
    }),
  );
}

function peerMatches(peer: Peer, e: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) {
    const { cidr, except = [] } = peer.ipBlock;
    return inCidr(e.ip, cidr) && !except.some((x) => inCidr(e.ip, x));
  }
  if (!e.pod) return false;
  const nsOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, { "kubernetes.io/metadata.name": e.pod.namespace, ...e.pod.namespaceLabels })
    : e.pod.namespace === policyNamespace;
  const podOk = peer.podSelector ? selects(peer.podSelector, e.pod.labels) : true;
  return nsOk && podOk;
}

function selects(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  if (selector.matchExpressions?.length)
    throw new Error("matchExpressions are not modelled in test/deploy/network-policy.ts");
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/") as [string, string];
  if (base.includes(":") || ip.includes(":")) return false; // IPv4 only
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (toInt(ip) & mask) >>> 0 === (toInt(base) & mask) >>> 0;
}

function toInt(ip: string): number {
  return ip.split(".").reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}
