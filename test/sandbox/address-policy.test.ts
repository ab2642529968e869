import { describe, expect, it } from "vitest";
import {
  checkAddress,
  embeddedIpv4,
  isOptInPrivate,
  parseCidr,
  privateAllowList,
} from "../../src/sandbox/address-policy.js";

describe("the addresses a step may reach", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["169.254.169.254", "link-local"],
    ["100.100.100.200", "metadata"],
    ["168.63.129.16", "metadata"],
    ["224.0.0.251", "multicast"],
    ["255.255.255.255", "reserved"],
    ["10.1.2.3", "RFC 1918"],
    ["172.16.0.1", "RFC 1918"],
    ["172.31.255.255", "RFC 1918"],
    ["192.168.1.1", "RFC 1918"],
    ["100.64.0.1", "CGNAT"],
    ["100.127.255.254", "CGNAT"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fc00::1", "ULA"],
    ["fd12:3456::1", "ULA"],
    ["fd00:ec2::254", "metadata"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "link-local"],
    ["::ffff:10.0.0.1", "RFC 1918"],
    ["::127.0.0.1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "link-local"],
    ["2002:7f00:1::1", "loopback"],
    ["2001:0:4136:e378::1", "Teredo"],
  ])("refuses %s (%s)", (address, kind) => {
    expect(checkAddress(address)).toMatch(new RegExp(kind.split(" ")[0] as string, "i"));
  });

  it.each([
    "203.0.113.7",
    "172.32.0.1",
    "100.128.0.1",
    "1.1.1.1",
    "2606:4700:4700::1111",
    "::ffff:203.0.113.7",
    "64:ff9b::cb00:7107",
  ])("lets %s through", (address) => {
    expect(checkAddress(address)).toBeNull();
  });

  it("opens only the private subnets the operator named", () => {
    const open = privateAllowList(["10.20.0.0/16", "fd12::/16"]);
    expect(checkAddress("10.20.1.2", open)).toBeNull();
    expect(checkAddress("::ffff:10.20.1.2", open)).toBeNull();
    expect(checkAddress("fd12::5", open)).toBeNull();
    expect(checkAddress("10.21.1.2", open)).toMatch(/RFC 1918/);
    expect(checkAddress("fd13::5", open)).toMatch(/ULA/);
  });

  it("never opens loopback, link-local or metadata, whatever the operator lists", () => {
    const open = privateAllowList(["127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/0", "fd00::/8", "::/0"]);
    for (const address of ["127.0.0.1", "169.254.169.254", "fd00:ec2::254", "::1"])
      expect(checkAddress(address, open)).not.toBeNull();
    // fd00::/8 holds the AWS metadata address, so it is not opened at all.
    expect(checkAddress("fd00::1", open)).not.toBeNull();
  });

  it("accepts as private only CIDRs inside RFC 1918, CGNAT or ULA space", () => {
    const ok = (t: string) => isOptInPrivate(parseCidr(t) ?? { address: "0.0.0.0", prefix: 0, family: "ipv4" });
    expect(ok("10.0.0.0/8")).toBe(true);
    expect(ok("192.168.4.0/24")).toBe(true);
    expect(ok("fd12:3456::/48")).toBe(true);
    expect(ok("8.0.0.0/7")).toBe(false);
    expect(ok("10.0.0.0/7")).toBe(false);
    expect(ok("100.100.0.0/16")).toBe(false); // holds a metadata address
    expect(ok("fd00::/16")).toBe(false); // holds fd00:ec2::254
    expect(parseCidr("10.0.0.0/33")).toBeNull();
    expect(parseCidr("nonsense")).toBeNull();
  });

  it("finds the IPv4 address inside mapped, NAT64 and 6to4 forms", () => {
    expect(embeddedIpv4("::ffff:1.2.3.4")).toBe("1.2.3.4");
    expect(embeddedIpv4("64:ff9b::102:304")).toBe("1.2.3.4");
    expect(embeddedIpv4("2002:102:304::")).toBe("1.2.3.4");
    expect(embeddedIpv4("2606:4700::1")).toBeNull();
  });
});
