import { describe, expect, it } from "vitest";
import { clientKeyOf, trustedProxyList } from "../../src/server/client-key.js";
import { InvalidServerOptionError } from "../../src/server/server-option-error.js";

describe("the client a request is counted against", () => {
  it("is the peer's IPv4 address, also when it comes IPv4-mapped", () => {
    expect(clientKeyOf("203.0.113.7", undefined, null)).toBe("203.0.113.7");
    expect(clientKeyOf("::ffff:203.0.113.7", undefined, null)).toBe("203.0.113.7");
  });

  it("is the /64 of an IPv6 peer, so one subscriber's addresses are one client", () => {
    expect(clientKeyOf("2001:db8:1:2::1", undefined, null)).toBe("2001:db8:1:2::/64");
    expect(clientKeyOf("2001:db8:1:2:ffff:ffff:ffff:fffe", undefined, null)).toBe("2001:db8:1:2::/64");
    expect(clientKeyOf("::1", undefined, null)).toBe("0:0:0:0::/64");
  });

  it("ignores X-Forwarded-For when no proxy is trusted", () => {
    expect(clientKeyOf("203.0.113.7", "198.51.100.1", null)).toBe("203.0.113.7");
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    expect(clientKeyOf("203.0.113.7", "198.51.100.1", trustedProxyList(["10.0.0.0/8"]))).toBe("203.0.113.7");
  });

  it("takes the rightmost address a trusted proxy did not add, whatever the client wrote further left", () => {
    const trusted = trustedProxyList(["10.0.0.0/8", "192.0.2.10"]);
    expect(clientKeyOf("10.1.2.3", "1.1.1.1, 198.51.100.1, 192.0.2.10", trusted)).toBe("198.51.100.1");
    expect(clientKeyOf("10.1.2.3", ["1.1.1.1", "198.51.100.1"], trusted)).toBe("198.51.100.1");
  });

  it("stays with the proxy when the address it should have written is missing or not an address", () => {
    const trusted = trustedProxyList(["10.0.0.1"]);
    expect(clientKeyOf("10.0.0.1", undefined, trusted)).toBe("10.0.0.1");
    expect(clientKeyOf("10.0.0.1", "1.1.1.1, not-an-address", trusted)).toBe("10.0.0.1");
  });

  it("refuses a trusted proxy that is neither an address nor a CIDR range, naming it", () => {
    expect(() => trustedProxyList(["10.0.0.0/8", "proxy.internal"])).toThrow(InvalidServerOptionError);
    expect(() => trustedProxyList(["10.0.0.0/33"])).toThrow(
      'trustedProxies: "10.0.0.0/33" is neither an IP address nor a CIDR range such as 10.0.0.0/8 or fd00::/8',
    );
  });
});
