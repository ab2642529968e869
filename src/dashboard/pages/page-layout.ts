import { html, type HtmlValue, type SafeHtml } from "../html.js";
import { STATIC_PATHS } from "../static-assets.js";

export type NavItem = "overview" | "runs" | "pull-requests" | "agents" | "queues";

const NAV: ReadonlyArray<readonly [NavItem, string, string]> = [
  ["overview", "/dashboard", "Failures"],
  ["runs", "/dashboard/runs", "Runs"],
  ["pull-requests", "/dashboard/pull-requests", "Fix PRs"],
  ["agents", "/dashboard/agents", "Agents"],
  ["queues", "/dashboard/queues", "Queue"],
];

export interface LayoutOptions {
  readonly title: string;
  readonly active?: NavItem;
  /** Whether to show the log-out button (a cookie session; bearer-token callers have nothing to log out of). */
  readonly loggedIn: boolean;
}

/** The page shell: the stylesheet and script are files (the CSP allows no inline code). */
export function layout(options: LayoutOptions, body: HtmlValue): SafeHtml {
  const nav = NAV.map(
    ([id, href, label]) =>
      html`<a href="${href}" ${id === options.active ? html` aria-current="page" class="active"` : ""}>${label}</a>`,
  );
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <meta name="referrer" content="same-origin" />
        <link rel="icon" href="data:," />
        <title>${options.title} · Sentinel</title>
        <link rel="stylesheet" href="${STATIC_PATHS.style}" />
        <script src="${STATIC_PATHS.script}" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href="/dashboard">Sentinel</a>
          ${options.active ? html`<nav aria-label="Dashboard">${nav}</nav>` : ""}
          ${options.loggedIn ? html`<form class="logout" method="post" action="/dashboard/logout"><button type="submit">Log out</button></form>` : ""}
        </header>
        <main>${body}</main>
        <footer>Read-only. Times are UTC.</footer>
      </body>
    </html> `;
}

/** `2026-11-22 14:03:12Z` in a <time> the script can turn into local time on hover. */
export function timeTag(at: Date | null | undefined): SafeHtml {
  if (!at || Number.isNaN(at.getTime())) return html`<span class="muted">–</span>`;
  const iso = at.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace("T", " ")}Z</time>`;
}

export function shortSha(sha: string | null | undefined): SafeHtml {
  return sha ? html`<code title="${sha}">${sha.slice(0, 8)}</code>` : html`<span class="muted">–</span>`;
}

/** A status word with a class the stylesheet colours; the class is derived from a fixed list, never from the data. */
export function badge(text: string): SafeHtml {
  const tone = TONES[text] ?? "neutral";
  return html`<span class="badge ${tone}">${text}</span>`;
}

const TONES: Readonly<Record<string, string>> = {
  running: "info",
  waiting: "warn",
  approved: "info",
  succeeded: "good",
  proposed: "good",
  pushed: "good",
  open: "good",
  merged: "good",
  diagnosed: "info",
  pending: "neutral",
  shadow: "neutral",
  failed: "bad",
  error: "bad",
  escalated: "bad",
  abandoned: "bad",
  revoked: "bad",
  denied: "bad",
  policy: "warn",
  allow: "good",
  deny: "bad",
  wait: "warn",
  flaky: "warn",
};

export function runHref(runId: string): string {
  return `/dashboard/runs/${encodeURIComponent(runId)}`;
}

export function repoFilterHref(base: string, repo: string): string {
  return `${base}?repo=${encodeURIComponent(repo)}`;
}

export function emptyRow(columns: number, text: string): SafeHtml {
  return html`<tr class="empty">
    <td colspan="${columns}">${text}</td>
  </tr>`;
}

/** A JSON value shown to people, cut so one huge ledger entry cannot make a page megabytes long. */
export function compactJson(value: unknown, max = 600): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? "";
  } catch {
    // A cycle or a BigInt: the plain string is still worth showing.
    text = String(value);
  }
  return text.length > max ? text.slice(0, max) + "…" : text;
}
