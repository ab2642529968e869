import { BlockList, isIP } from "node:net";
import { InvalidServerOptionError } from "./server-option-error.js";

/**
 * Builds the list of proxies whose X-Forwarded-For is believed, from addresses and CIDR ranges
 * ("10.0.0.0/8", "::1"). Throws InvalidServerOptionError naming a bad entry.
 */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix, extra] = entry.trim().split("/");
    const family = isIP(address);
    const bits = prefix === undefined ? null : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== null && !(Number.isInteger(bits) && bits >= 0 && bits <= max))
    ) {
      throw new InvalidServerOptionError(
        "trustedProxies",
        `"${entry}" is neither an IP address nor a CIDR range such as 10.0.0.0/8 or fd00::/8`,
      );
    }
    const type = family === 6 ? "ipv6" : "ipv4";
    if (bits === null) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return list;
}

/**
 * Who sent a request, as a key for the per-client share of the body budget: the socket's peer
 * address, or, when that peer is a trusted proxy, the rightmost address in X-Forwarded-For that
 * is not one (each proxy appends the peer it saw; anything further left is the client's word).
 * Without trusted proxies the header is ignored: anyone can write it.
 *
 * IPv6 clients are keyed by their /64, the block one subscriber gets: an attacker rotating through
 * the addresses of its own /64 is still one client.
 */
export function clientKeyOf(
  peer: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trusted: BlockList | null,
): string {
  let address = normalize(peer ?? "");
  if (!address) return "unknown";
  if (trusted) {
    const forwarded = ([] as string[])
      .concat(forwardedFor ?? [])
      .join(",")
      .split(",");
    while (isTrusted(trusted, address)) {
      const hop = normalize(forwarded.pop() ?? "");
      // Garbage or nothing where a proxy should have written an address: stay with the proxy.
      if (!hop) break;
      address = hop;
    }
  }
  return isIP(address) === 6 ? prefix64(address) : address;
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/** A bare IP address (zone id dropped, IPv4-mapped IPv6 as IPv4), or "" when it is not one. */
function normalize(raw: string): string {
  const address = raw.trim().replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIP(mapped[1] as string) === 4) return mapped[1] as string;
  return isIP(address) === 0 ? "" : address.toLowerCase();
}

function prefix64(address: string): string {
  return `${expand(address).slice(0, 4).join(":")}::/64`;
}

/** The eight hextets of an IPv6 address, without leading zeros ("2001:db8::1" → 2001, db8, 0, …, 1). */
function expand(address: string): string[] {
  let text = address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + ((a << 8) | b).toString(16) + ":" + ((c << 8) | d).toString(16);
  }
  const [head = "", tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => "0");
  return [...left, ...zeros, ...right].map((h) => Number.parseInt(h, 16).toString(16));
}
