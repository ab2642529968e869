import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { LoginThrottle } from "../../src/dashboard/login-throttle.js";
import {
  cameOverHttps,
  clearedSessionCookie,
  readCookie,
  safeNextPath,
  sameOrigin,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  SessionAuth,
  sessionCookie,
} from "../../src/dashboard/session-auth.js";

const TOKEN = "a-long-random-dashboard-token-0123456789abcdef";

function request(headers: Record<string, string>, encrypted = false): IncomingMessage {
  return { headers, socket: { encrypted } } as unknown as IncomingMessage;
}

describe("the dashboard token", () => {
  const auth = new SessionAuth(TOKEN);

  it("matches only itself, whatever the length of the guess", () => {
    expect(auth.tokenMatches(TOKEN)).toBe(true);
    expect(auth.tokenMatches(TOKEN + "x")).toBe(false);
    expect(auth.tokenMatches(TOKEN.slice(0, -1))).toBe(false);
    expect(auth.tokenMatches("")).toBe(false);
    expect(auth.tokenMatches("x".repeat(100_000))).toBe(false);
  });

  it("refuses to run with an empty token", () => {
    expect(() => new SessionAuth("")).toThrow(/SENTINEL_DASHBOARD_TOKEN/);
  });

  it("is accepted as a bearer token, and a wrong bearer token is not rescued by a valid cookie", () => {
    const cookie = `${SESSION_COOKIE}=${auth.issue()}`;
    expect(auth.authenticate(request({ authorization: `Bearer ${TOKEN}` }))).toBe("bearer");
    expect(auth.authenticate(request({ authorization: `bearer ${TOKEN}` }))).toBe("bearer");
    expect(auth.authenticate(request({ authorization: "Bearer wrong", cookie }))).toBeNull();
    expect(
      auth.authenticate(request({ authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` })),
    ).toBeNull();
    expect(auth.authenticate(request({ cookie }))).toBe("cookie");
    expect(auth.authenticate(request({}))).toBeNull();
  });
});

describe("session cookies", () => {
  it("never contain the token and verify only under the same token", () => {
    const auth = new SessionAuth(TOKEN);
    const value = auth.issue();
    expect(value).not.toContain(TOKEN);
    expect(value).toMatch(/^v1\.\d+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(auth.verify(value)).toBe(true);
    expect(new SessionAuth(TOKEN + "-rotated").verify(value)).toBe(false);
    expect(auth.issue()).not.toBe(value);
  });

  it("refuses tampered, truncated and malformed values", () => {
    const auth = new SessionAuth(TOKEN);
    const value = auth.issue();
    const [v, issued, nonce, mac] = value.split(".") as [string, string, string, string];
    expect(auth.verify(`${v}.${Number(issued) + 3600}.${nonce}.${mac}`)).toBe(false);
    expect(auth.verify(`${v}.${issued}.${nonce}x.${mac}`)).toBe(false);
    expect(auth.verify(`${v}.${issued}.${nonce}.${mac.slice(0, -1)}`)).toBe(false);
    expect(auth.verify(`v2.${issued}.${nonce}.${mac}`)).toBe(false);
    expect(auth.verify(`${value}.extra`)).toBe(false);
    expect(auth.verify("")).toBe(false);
    expect(auth.verify(undefined)).toBe(false);
    expect(auth.verify("x".repeat(1000))).toBe(false);
  });

  it("expire after the session lifetime", () => {
    let now = Date.parse("2026-11-22T10:00:00Z");
    const auth = new SessionAuth(TOKEN, () => now);
    const value = auth.issue();
    now += (SESSION_TTL_SECONDS - 1) * 1000;
    expect(auth.verify(value)).toBe(true);
    now += 2000;
    expect(auth.verify(value)).toBe(false);
  });

  it("are HttpOnly, SameSite=Strict, scoped to /dashboard, and Secure over https", () => {
    expect(sessionCookie("v", false)).toBe(
      `${SESSION_COOKIE}=v; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_SECONDS}`,
    );
    expect(sessionCookie("v", true)).toMatch(/; Secure$/);
    expect(clearedSessionCookie(false)).toContain("Max-Age=0");
  });

  it("are read from the Cookie header among others", () => {
    expect(readCookie(request({ cookie: `a=1; ${SESSION_COOKIE}=abc.def; b=2` }), SESSION_COOKIE)).toBe("abc.def");
    expect(readCookie(request({ cookie: "a=1" }), SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(request({}), SESSION_COOKIE)).toBeUndefined();
  });
});

describe("request facts", () => {
  it("knows https from the socket or the proxy's X-Forwarded-Proto", () => {
    expect(cameOverHttps(request({}, true))).toBe(true);
    expect(cameOverHttps(request({ "x-forwarded-proto": "https" }))).toBe(true);
    expect(cameOverHttps(request({ "x-forwarded-proto": "HTTPS, http" }))).toBe(true);
    expect(cameOverHttps(request({ "x-forwarded-proto": "http" }))).toBe(false);
    expect(cameOverHttps(request({}))).toBe(false);
  });

  it("accepts a login POST only from the dashboard's own origin", () => {
    expect(sameOrigin(request({ host: "sentinel.example:3000", origin: "http://sentinel.example:3000" }))).toBe(true);
    expect(sameOrigin(request({ host: "sentinel.example", origin: "https://evil.example" }))).toBe(false);
    expect(sameOrigin(request({ host: "sentinel.example", origin: "null" }))).toBe(false);
    expect(sameOrigin(request({ host: "sentinel.example" }))).toBe(true);
    // Fetch metadata wins over Origin: a cross-site form cannot claim same-origin.
    expect(sameOrigin(request({ host: "sentinel.example", origin: "null", "sec-fetch-site": "same-origin" }))).toBe(
      true,
    );
    expect(
      sameOrigin(
        request({ host: "sentinel.example", origin: "http://sentinel.example", "sec-fetch-site": "cross-site" }),
      ),
    ).toBe(false);
    expect(sameOrigin(request({ host: "sentinel.example", "sec-fetch-site": "same-site" }))).toBe(false);
  });

  it("redirects after login only inside the dashboard", () => {
    expect(safeNextPath("/dashboard/runs/run_1?x=1")).toBe("/dashboard/runs/run_1?x=1");
    expect(safeNextPath("/dashboard")).toBe("/dashboard");
    for (const bad of [
      "//evil.example",
      "https://evil.example/dashboard",
      "/dashboardx",
      "/dashboard/../admin",
      "/\\evil.example",
      "/dashboard\\..\\x",
      "javascript:alert(1)",
      null,
      42,
    ]) {
      const out = safeNextPath(bad);
      expect(out === "/dashboard" || out.startsWith("/dashboard/")).toBe(true);
      expect(out).not.toContain("evil");
    }
    expect(safeNextPath("/dashboard/../admin")).toBe("/dashboard");
  });
});

describe("the login throttle", () => {
  it("locks an address out after too many wrong tokens, for one window", () => {
    let now = 0;
    const t = new LoginThrottle(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(t.retryAfterMs("1.2.3.4")).toBe(0);
      t.fail("1.2.3.4");
      now += 1000;
    }
    expect(t.retryAfterMs("1.2.3.4")).toBe(57_000);
    expect(t.retryAfterMs("5.6.7.8")).toBe(0);
    now += 57_000;
    expect(t.retryAfterMs("1.2.3.4")).toBe(0);
  });

  it("forgets an address on success and bounds how many it tracks", () => {
    const t = new LoginThrottle(1, 60_000, () => 0, 2);
    t.fail("a");
    t.succeed("a");
    expect(t.retryAfterMs("a")).toBe(0);
    t.fail("a");
    t.fail("b");
    t.fail("c");
    expect(t.retryAfterMs("a")).toBe(0);
    expect(t.retryAfterMs("c")).toBeGreaterThan(0);
  });
});
