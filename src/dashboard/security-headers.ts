import type { ServerResponse } from "node:http";

/**
 * The dashboard's own pages: no inline script or style at all (the script and stylesheet are files
 * under /dashboard/static), nothing from other origins, never framed, forms post only to us.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/**
 * Bull Board's single-page UI: its own scripts from its static folder, but it sets inline styles
 * (React style props and one <style>), so styles need 'unsafe-inline'; it uses <base href>. Its
 * Google Fonts link is blocked on purpose (no third-party requests); the UI falls back to system fonts.
 */
export const QUEUE_BOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
].join("; ");

/** Headers every dashboard response carries, whatever produced its body. */
export function setSecurityHeaders(res: ServerResponse, csp: string = PAGE_CSP): void {
  res.setHeader("Content-Security-Policy", csp);
  res.setHeader("X-Content-Type-Options", "nosniff");
  // Older browsers that ignore frame-ancestors.
  res.setHeader("X-Frame-Options", "DENY");
  // Pages hold diagnoses of private repositories: no shared or browser cache may keep them.
  res.setHeader("Cache-Control", "no-store");
  // Run ids and repository names in dashboard URLs must not leak to the forge links we show.
  // Not "no-referrer": with it, browsers send `Origin: null` on our own form posts, which the
  // login's cross-site check must refuse.
  res.setHeader("Referrer-Policy", "same-origin");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
}
