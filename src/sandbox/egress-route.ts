import type { BlockList } from "node:net";
import net from "node:net";
import { checkAddress } from "./address-policy.js";
import type { EgressPolicy } from "./egress-policy.js";
import { normalizeHost, refuseByRules, type RequestKind } from "./host-rules.js";

/** How the proxy resolves names and opens connections; tests replace it, nothing else does. */
export interface EgressNet {
  lookup(host: string): Promise<readonly string[]>;
  connect(address: string, port: number): net.Socket;
}

/** The addresses a request may go to, or why it may not go anywhere. */
export type EgressDecision = { addresses: readonly string[] } | { refused: string } | { failed: string };

/** One line, bounded: a client controls the host text. */
export function clean(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 200);
}

/** An error's errno code, or its message when it has none, for a one-line refusal reason. */
export function errorReason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/**
 * Applies the host rules, resolves the name, and holds every address it resolves to against the
 * address policy: one address that fails refuses the request.
 */
export async function decideEgress(
  policy: EgressPolicy,
  privateList: BlockList,
  netImpl: EgressNet,
  request: { readonly host: string; readonly port: number; readonly kind: RequestKind },
): Promise<EgressDecision> {
  const byRules = refuseByRules(policy.allow, request.host, request.port, request.kind);
  if (byRules) return { refused: byRules };
  const name = normalizeHost(request.host) as string;
  let addresses: readonly string[];
  if (net.isIP(name) !== 0) addresses = [name];
  else {
    try {
      addresses = await netImpl.lookup(name);
    } catch (error) {
      return { failed: `cannot resolve ${name}: ${errorReason(error)}` };
    }
  }
  if (addresses.length === 0) return { failed: `${name} has no address` };
  for (const address of addresses) {
    const why = checkAddress(address, privateList);
    if (why) return { refused: `${name} resolves to ${why}` };
  }
  return { addresses };
}

/** The first checked address that accepts a connection; `track` sees every socket opened. */
export function dialFirst(
  netImpl: EgressNet,
  addresses: readonly string[],
  port: number,
  track: (s: net.Socket) => void,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const attempt = (i: number, last?: Error) => {
      const address = addresses[i];
      if (address === undefined) return reject(last ?? new Error("no address"));
      const s = netImpl.connect(address, port);
      track(s);
      s.once("connect", () => resolve(s));
      // Not swallowed: the error is handed to the next attempt, and rejected with after the last.
      s.once("error", (e) => attempt(i + 1, e));
    };
    attempt(0);
  });
}

/** What the request handlers need from the proxy that accepted the connection. */
export interface EgressHandlerContext {
  readonly idleMs: number;
  /** Over the connection limit and answered 503 already: no request on it is served. */
  turnedAway(socket: net.Socket): boolean;
  decide(host: string, port: number, kind: RequestKind): Promise<EgressDecision>;
  dial(addresses: readonly string[], port: number): Promise<net.Socket>;
  /** Counts a refusal and reports it for the audit ledger. */
  report(host: string, port: number, reason: string): void;
}
