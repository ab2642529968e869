import { describe, expect, it } from "vitest";
import { egressFromEnv, formatHostRule, parseHostRule } from "../../src/sandbox/index.js";
import { refuseByRules } from "../../src/sandbox/host-rules.js";

const noNpm = () => undefined;
const hosts = (env: NodeJS.ProcessEnv, npm: () => string | undefined = noNpm) =>
  egressFromEnv(env, npm).allow.map(formatHostRule);

describe("allowlist rules", () => {
  it("reads names, wildcards, ports and IP literals", () => {
    expect(parseHostRule("Registry.Example.Invalid.")).toEqual({ host: "registry.example.invalid", wildcard: false });
    expect(parseHostRule("*.example.invalid")).toEqual({ host: "example.invalid", wildcard: true });
    expect(parseHostRule("mirror.example.invalid:8443")).toEqual({
      host: "mirror.example.invalid",
      wildcard: false,
      port: 8443,
    });
    expect(parseHostRule("[fd12::1]:4873")).toEqual({ host: "fd12::1", wildcard: false, port: 4873 });
  });

  it.each([
    "",
    "*",
    "*.invalid",
    "https://registry.example.invalid/",
    "host:0",
    "host:70000",
    "bad host",
    "127.1",
    "*.10.0.0.1",
  ])("refuses %j", (text) => {
    expect(() => parseHostRule(text)).toThrow();
  });

  it("lets a wildcard match names below its suffix, not the suffix itself", () => {
    const rules = [parseHostRule("*.example.invalid")];
    expect(refuseByRules(rules, "a.b.example.invalid", 443, "connect")).toBeNull();
    expect(refuseByRules(rules, "example.invalid", 443, "connect")).toMatch(/not in the egress allowlist/);
    expect(refuseByRules(rules, "evilexample.invalid", 443, "connect")).toMatch(/not in the egress allowlist/);
  });

  it("allows 443 for CONNECT and 80 for plain HTTP unless the rule names a port", () => {
    const rules = [parseHostRule("r.example.invalid"), parseHostRule("m.example.invalid:8080")];
    expect(refuseByRules(rules, "r.example.invalid", 443, "connect")).toBeNull();
    expect(refuseByRules(rules, "r.example.invalid", 80, "http")).toBeNull();
    expect(refuseByRules(rules, "r.example.invalid", 22, "connect")).toMatch(/port 22/);
    expect(refuseByRules(rules, "r.example.invalid", 443, "http")).toMatch(/port 443/);
    expect(refuseByRules(rules, "m.example.invalid", 8080, "connect")).toBeNull();
    expect(refuseByRules(rules, "m.example.invalid", 443, "connect")).toMatch(/port 443/);
  });

  it("refuses an IP literal nobody listed", () => {
    expect(refuseByRules([parseHostRule("r.example.invalid")], "127.0.0.1", 443, "connect")).toMatch(/IP address/);
    expect(refuseByRules([parseHostRule("r.example.invalid")], "[::1]", 443, "connect")).toMatch(/IP address/);
  });
});

describe("egressFromEnv", () => {
  it("takes SENTINEL_EGRESS_ALLOW as given, comma separated", () => {
    expect(
      hosts({
        SENTINEL_EGRESS_ALLOW: "a.example.invalid, *.b.example.invalid ,c.example.invalid:8443",
        npm_config_registry: "https://ignored.example.invalid/",
      }),
    ).toEqual(["a.example.invalid", "*.b.example.invalid", "c.example.invalid:8443"]);
  });

  it("reads an empty SENTINEL_EGRESS_ALLOW as: nothing", () => {
    expect(hosts({ SENTINEL_EGRESS_ALLOW: "" }, () => "https://registry.example.invalid/")).toEqual([]);
  });

  it("names the variable and the value it cannot read", () => {
    expect(() =>
      egressFromEnv({ SENTINEL_EGRESS_ALLOW: "ok.example.invalid,https://x.example.invalid/" }, noNpm),
    ).toThrow(/SENTINEL_EGRESS_ALLOW: "https:\/\/x.example.invalid\/" is a URL/);
    expect(() => egressFromEnv({ SENTINEL_EGRESS_ALLOW_PRIVATE: "10.1.0.0/16,127.0.0.0/8" }, noNpm)).toThrow(
      /SENTINEL_EGRESS_ALLOW_PRIVATE: "127.0.0.0\/8"/,
    );
    expect(() => egressFromEnv({ SENTINEL_EGRESS_ALLOW_PRIVATE: "169.254.0.0/16" }, noNpm)).toThrow(
      /SENTINEL_EGRESS_ALLOW_PRIVATE.*never/,
    );
    expect(() => egressFromEnv({ SENTINEL_EGRESS_ALLOW_PRIVATE: "10.0.0.0/33" }, noNpm)).toThrow(/not a CIDR/);
    expect(() => egressFromEnv({ SENTINEL_EGRESS_ALLOW: "*" }, noNpm)).toThrow(
      expect.objectContaining({ code: "E_SANDBOX_CONFIG" }),
    );
  });

  it("keeps the private subnets an internal mirror lives in", () => {
    expect(
      egressFromEnv(
        {
          SENTINEL_EGRESS_ALLOW: "mirror.example.invalid",
          SENTINEL_EGRESS_ALLOW_PRIVATE: "10.20.0.0/16, fd12:3456::/48",
        },
        noNpm,
      ).allowPrivate,
    ).toEqual(["10.20.0.0/16", "fd12:3456::/48"]);
  });

  it("defaults to the registries the worker is configured with", () => {
    const env = {
      npm_config_registry: "https://npm.example.invalid/",
      PIP_INDEX_URL: "https://pypi.example.invalid/simple",
      PIP_EXTRA_INDEX_URL: "https://extra.example.invalid/simple https://extra2.example.invalid:8443/simple",
      GOPROXY: "https://goproxy.example.invalid,direct",
      CARGO_REGISTRIES_INTERNAL_INDEX: "sparse+https://cargo.example.invalid/index/",
    };
    expect(hosts(env)).toEqual([
      "npm.example.invalid",
      "pypi.example.invalid",
      "extra.example.invalid",
      "extra2.example.invalid:8443",
      "goproxy.example.invalid",
      "cargo.example.invalid",
    ]);
  });

  it("asks npm for its registry when no variable names one", () => {
    expect(hosts({}, () => "https://asked.example.invalid/")).toEqual(["asked.example.invalid"]);
    expect(
      hosts({ NPM_CONFIG_REGISTRY: "http://upper.example.invalid:4873/" }, () => "https://asked.example.invalid/"),
    ).toEqual(["upper.example.invalid:4873"]);
  });

  it("finds the npm registry this machine is configured with, whatever it is", () => {
    // The real `npm config get registry`: its host is never written down, only checked to exist.
    const [rule] = egressFromEnv({}).allow;
    expect(rule?.host).toMatch(/\./);
  });
});
