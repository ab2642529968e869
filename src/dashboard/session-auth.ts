import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { SentinelError } from "../core/index.js";

/** The cookie that holds a browser's session; scoped to /dashboard so no other route ever sees it. */
export const SESSION_COOKIE = "sentinel_dashboard";
/** How long a login lasts. There is no server-side session store, so this is also how long a stolen cookie works. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

/**
 * Sessions without server state: a cookie is `v1.<issued>.<nonce>.<mac>`, the MAC keyed by a key
 * derived from the dashboard token. The raw token never leaves the login request; rotating the
 * token (SENTINEL_DASHBOARD_TOKEN) invalidates every session at once, on every replica.
 */
export class SessionAuth {
  private readonly sessionKey: Buffer;
  private readonly tokenDigest: Buffer;

  constructor(
    token: string,
    private readonly now: () => number = Date.now,
  ) {
    if (token.length === 0)
      throw new SentinelError(
        "E_DASHBOARD_TOKEN",
        "the dashboard token is empty: set SENTINEL_DASHBOARD_TOKEN to a long random value (openssl rand -hex 32)",
      );
    this.sessionKey = createHmac("sha256", token).update("sentinel dashboard session key v1").digest();
    this.tokenDigest = sha256(token);
  }

  /** Whether `candidate` is the token, in time that does not depend on where they differ (or on its length). */
  tokenMatches(candidate: string): boolean {
    return timingSafeEqual(sha256(candidate), this.tokenDigest);
  }

  /** A fresh session value for a cookie. */
  issue(): string {
    const payload = `v1.${Math.floor(this.now() / 1000)}.${randomBytes(16).toString("base64url")}`;
    return `${payload}.${this.mac(payload)}`;
  }

  /** Whether a cookie's session value is one this token issued and has not expired. */
  verify(value: string | undefined): boolean {
    if (!value || value.length > 200) return false;
    const parts = value.split(".");
    if (parts.length !== 4 || parts[0] !== "v1") return false;
    const issued = Number(parts[1]);
    if (!Number.isSafeInteger(issued)) return false;
    const age = Math.floor(this.now() / 1000) - issued;
    // A session from the future (clock skew between replicas) gets a minute's grace, no more.
    if (age > SESSION_TTL_SECONDS || age < -60) return false;
    const expected = Buffer.from(this.mac(parts.slice(0, 3).join(".")));
    const given = Buffer.from(parts[3] as string);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** How the request proves it may read the dashboard: a session cookie, a bearer token, or nothing. */
  authenticate(req: IncomingMessage): "cookie" | "bearer" | null {
    const auth = req.headers.authorization;
    if (typeof auth === "string") {
      const m = /^Bearer +(\S+) *$/i.exec(auth);
      // A wrong bearer token is a failure, not a fallback to the cookie: scripts must learn it is wrong.
      return m && this.tokenMatches(m[1] as string) ? "bearer" : null;
    }
    return this.verify(readCookie(req, SESSION_COOKIE)) ? "cookie" : null;
  }

  private mac(payload: string): string {
    return createHmac("sha256", this.sessionKey).update(payload).digest("base64url");
  }
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** One cookie's value from the Cookie header (the first, if a client sends it twice). */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== "string") return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Whether the browser reached us over https: directly (TLS socket) or through a proxy that says so.
 * X-Forwarded-Proto is trusted only to add `Secure`, which can only make the cookie stricter.
 */
export function cameOverHttps(req: IncomingMessage): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  const proto = req.headers["x-forwarded-proto"];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(",")[0]?.trim().toLowerCase();
  return first === "https";
}

export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_SECONDS}${secure ? "; Secure" : ""}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0${secure ? "; Secure" : ""}`;
}

/**
 * Where to go after logging in: only a path inside the dashboard, so the login form cannot be
 * used to bounce an operator to another site (`//evil.example`, `/\evil.example`, `https://…`).
 */
export function safeNextPath(next: unknown): string {
  if (typeof next !== "string" || next.length > 500 || !next.startsWith("/dashboard")) return "/dashboard";
  if (/[\\\u0000-\u001F\u007F]/.test(next)) return "/dashboard";
  try {
    const url = new URL(next, "http://dashboard.invalid");
    if (
      url.origin !== "http://dashboard.invalid" ||
      !(url.pathname === "/dashboard" || url.pathname.startsWith("/dashboard/"))
    )
      return "/dashboard";
    return url.pathname + url.search;
  } catch {
    // An unparsable `next` is not followed: the dashboard's home is.
    return "/dashboard";
  }
}

/**
 * Whether a state-changing POST (login, logout) came from the dashboard's own pages. SameSite=Strict
 * already keeps the cookie off cross-site requests; this also stops a cross-site login form.
 * Browsers send Sec-Fetch-Site (trusted when present: pages cannot set it) or at least Origin on
 * POST; a script sending neither is let through (it has no ambient cookie to abuse).
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers["sec-fetch-site"];
  if (typeof site === "string") return site === "same-origin" || site === "none";
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin === "null") return false;
  const host = req.headers["x-forwarded-host"] ?? req.headers.host;
  const hostValue = (Array.isArray(host) ? host[0] : host)?.split(",")[0]?.trim();
  try {
    return hostValue !== undefined && new URL(origin).host === hostValue;
  } catch {
    // An Origin that is not a URL is no origin of ours.
    return false;
  }
}
