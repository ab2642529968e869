import { BlockList, isIP } from "node:net";

/**
 * Which IP addresses a sandboxed step may reach through the egress proxy. Pure: the proxy asks
 * about every address a name resolves to, and connects only to an address that passed.
 */

type Family = "ipv4" | "ipv6";
interface Range {
  readonly cidr: string;
  readonly why: string;
}

/** Never reachable, whatever the operator configures: the worker itself and the cloud's control plane. */
const NEVER: readonly Range[] = [
  { cidr: "0.0.0.0/8", why: "unspecified" },
  { cidr: "127.0.0.0/8", why: "loopback" },
  { cidr: "169.254.0.0/16", why: "link-local (cloud metadata)" },
  { cidr: "192.0.0.0/24", why: "IETF protocol assignments" },
  { cidr: "198.18.0.0/15", why: "benchmarking" },
  { cidr: "224.0.0.0/4", why: "multicast" },
  { cidr: "240.0.0.0/4", why: "reserved" },
  // Metadata services outside link-local: Alibaba (inside CGNAT space), Azure's wire server.
  { cidr: "100.100.100.200/32", why: "cloud metadata" },
  { cidr: "168.63.129.16/32", why: "cloud metadata" },
  { cidr: "::/128", why: "unspecified" },
  { cidr: "::1/128", why: "loopback" },
  { cidr: "100::/64", why: "discard" },
  { cidr: "2001::/32", why: "Teredo" },
  { cidr: "64:ff9b:1::/48", why: "local-use NAT64" },
  // AWS's IPv6 metadata address sits inside ULA space: it must stay closed when ULA is opted in.
  { cidr: "fd00:ec2::254/128", why: "cloud metadata" },
  { cidr: "fe80::/10", why: "link-local" },
  { cidr: "fec0::/10", why: "site-local" },
  { cidr: "ff00::/8", why: "multicast" },
];

/** Closed by default; an operator may open parts of these for an internal registry mirror. */
const PRIVATE: readonly Range[] = [
  { cidr: "10.0.0.0/8", why: "private (RFC 1918)" },
  { cidr: "172.16.0.0/12", why: "private (RFC 1918)" },
  { cidr: "192.168.0.0/16", why: "private (RFC 1918)" },
  { cidr: "100.64.0.0/10", why: "shared address space (CGNAT)" },
  { cidr: "fc00::/7", why: "unique local (ULA)" },
];

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: Family;
}

/** `10.1.0.0/16` or `fd12::/16`; null when it is not one. */
export function parseCidr(text: string): Cidr | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return null;
  const address = m[1] as string;
  const prefix = Number(m[2]);
  const v = isIP(address);
  if (v === 0 || prefix > (v === 4 ? 32 : 128)) return null;
  return { address, prefix, family: v === 4 ? "ipv4" : "ipv6" };
}

function toList(ranges: readonly Range[]): Array<{ list: BlockList; why: string }> {
  return ranges.map((r) => {
    const c = parseCidr(r.cidr) as Cidr;
    const list = new BlockList();
    list.addSubnet(c.address, c.prefix, c.family);
    return { list, why: r.why };
  });
}
// Built on first use: a BlockList per range costs ~10 ms at start-up, and most commands check no address.
let lists: { never: ReturnType<typeof toList>; private: ReturnType<typeof toList> } | null = null;
function rangeLists(): NonNullable<typeof lists> {
  return (lists ??= { never: toList(NEVER), private: toList(PRIVATE) });
}

function contains(c: Cidr, address: string): boolean {
  const list = new BlockList();
  list.addSubnet(c.address, c.prefix, c.family);
  return list.check(address, c.family);
}

/** Subnets are nested or disjoint, so they overlap when one holds the other's address. */
function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && (contains(a, b.address) || contains(b, a.address));
}

/**
 * Whether a CIDR lies wholly inside the private ranges an operator may open (RFC 1918, CGNAT,
 * ULA) and holds nothing that is never reachable (fd00:ec2::254 lies inside fc00::/7).
 */
export function isOptInPrivate(c: Cidr): boolean {
  const ranges = (list: readonly Range[]) => list.map((r) => parseCidr(r.cidr) as Cidr);
  const inside = ranges(PRIVATE).some((r) => r.family === c.family && c.prefix >= r.prefix && contains(r, c.address));
  return inside && !ranges(NEVER).some((n) => overlaps(n, c));
}

/** The private subnets an operator opened, as one list for `checkAddress`. */
export function privateAllowList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of cidrs) {
    const c = parseCidr(text);
    if (c && isOptInPrivate(c)) list.addSubnet(c.address, c.prefix, c.family);
  }
  return list;
}

/** The 16 bytes of an IPv6 address (zone id dropped), or null. */
function ipv6Bytes(address: string): number[] | null {
  let text = address.split("%")[0] as string;
  if (isIP(text) !== 6) return null;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail.push(...(dotted[1] as string).split(".").map(Number));
    text = text.slice(0, -(dotted[1] as string).length) + "0:0";
  }
  const [head, rest] = text.includes("::") ? (text.split("::") as [string, string]) : [text, null];
  const words = (s: string) => (s === "" ? [] : s.split(":").map((w) => parseInt(w, 16)));
  const h = words(head);
  const r = rest === null ? [] : words(rest);
  const all = rest === null ? h : [...h, ...new Array<number>(8 - h.length - r.length).fill(0), ...r];
  const bytes = all.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes.length === 16 ? bytes : null;
}

/** The IPv4 address an IPv6 form carries (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(address: string): string | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const quad = (at: number) => b.slice(at, at + 4).join(".");
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return quad(12); // ::ffff:a.b.c.d
  if (zero(0, 12) && !zero(12, 16)) return quad(12); // ::a.b.c.d (deprecated compatible form)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return quad(12); // 64:ff9b::/96
  if (b[0] === 0x20 && b[1] === 0x02) return quad(2); // 2002:AABB:CCDD::/48 (6to4)
  return null;
}

/**
 * Why `address` may not be reached, or null when it may. Loopback, link-local, metadata,
 * multicast and reserved addresses are always refused; private ones unless `allowPrivate` opens
 * them; an IPv6 form that carries an IPv4 address is judged by that address too.
 */
export function checkAddress(address: string, allowPrivate: BlockList | null = null): string | null {
  const plain = address.split("%")[0] as string;
  const v = isIP(plain);
  if (v === 0) return `${address} is not an IP address`;
  const family: Family = v === 4 ? "ipv4" : "ipv6";
  for (const n of rangeLists().never) if (n.list.check(plain, family)) return `${address} is ${n.why}`;
  for (const p of rangeLists().private) {
    if (p.list.check(plain, family) && !allowPrivate?.check(plain, family))
      return `${address} is ${p.why} and not opened by SENTINEL_EGRESS_ALLOW_PRIVATE`;
  }
  const inner = v === 6 ? embeddedIpv4(plain) : null;
  if (inner) {
    const why = checkAddress(inner, allowPrivate);
    if (why) return `${address} carries ${why}`;
  }
  return null;
}
