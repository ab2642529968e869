import { categoryChart, categoryColour, daySeries, windowStart, type DaySeries } from "../category-chart.js";
import type { ApprovalRow, DashboardQueries, FailureRow, Totals } from "../dashboard-queries.js";
import { externalLink, html, type SafeHtml } from "../html.js";
import { badge, emptyRow, layout, repoFilterHref, runHref, shortSha, timeTag } from "./page-layout.js";

export const CHART_DAYS = 14;
const FAILURES_SHOWN = 50;

export interface OverviewData {
  readonly repo: string | null;
  readonly totals: Totals;
  readonly failures: readonly FailureRow[];
  readonly chart: DaySeries;
  readonly approvals: readonly ApprovalRow[];
  readonly queue: { readonly kind: string; readonly depth: number | null };
}

export async function loadOverview(
  q: DashboardQueries,
  repo: string | null,
  queue: { kind: string; depth: () => Promise<number> },
  now = new Date(),
): Promise<OverviewData> {
  const [totals, failures, counts, approvals, depth] = await Promise.all([
    q.totals(),
    q.recentFailures({ limit: FAILURES_SHOWN, repo: repo ?? undefined }),
    q.failuresByCategory(windowStart(CHART_DAYS, now)),
    q.waitingApprovals(20),
    // A queue that cannot answer (Redis away) must not take the failures page down with it; the
    // queue's connection listener logs the outage.
    queue.depth().catch(() => null),
  ]);
  return {
    repo,
    totals,
    failures,
    chart: daySeries(counts, CHART_DAYS, now),
    approvals,
    queue: { kind: queue.kind, depth },
  };
}

export function overviewPage(d: OverviewData, loggedIn: boolean): SafeHtml {
  return layout(
    { title: "Failures", active: "overview", loggedIn },
    html`<h1>Failures</h1>
      <section class="stats" aria-label="Totals">
        ${stat(d.totals.failures24h, "failures, last 24 h", "stat-failures")}
        ${stat(d.totals.diagnosed24h, "diagnosed, last 24 h", "stat-diagnosed")}
        ${stat(d.totals.runsRunning, "fix runs running", "stat-running")}
        ${stat(d.totals.runsWaiting, "runs waiting for approval", "stat-waiting")}
        ${stat(d.totals.openPullRequests, "open fix PRs", "stat-prs")}
        ${stat(d.queue.depth ?? "?", `jobs queued (${d.queue.kind})`, "stat-queue")}
      </section>
      <h2>Failures by category, last ${CHART_DAYS} days</h2>
      ${categoryChart(d.chart)} ${d.approvals.length ? approvalsTable(d.approvals) : ""}
      <h2>
        Recent failures${d.repo ? html` in <code>${d.repo}</code> <a href="/dashboard">(all repositories)</a>` : ""}
      </h2>
      <form class="filter" method="get" action="/dashboard">
        <input name="repo" placeholder="owner/repository" value="${d.repo ?? ""}" aria-label="Repository" /><button
          type="submit"
        >
          Filter
        </button>
      </form>
      <table id="failures">
        <thead>
          <tr>
            <th>When</th>
            <th>Repository</th>
            <th>Job</th>
            <th>Category</th>
            <th>Diagnosis</th>
            <th>Fix</th>
          </tr>
        </thead>
        <tbody>
          ${d.failures.length ? d.failures.map(failureRow) : emptyRow(6, "No failures recorded yet.")}
        </tbody>
      </table>`,
  );
}

function stat(n: number | string, label: string, id: string): SafeHtml {
  return html`<div class="stat" id="${id}">
    <div class="n">${n}</div>
    <div class="l">${label}</div>
  </div>`;
}

function failureRow(f: FailureRow): SafeHtml {
  const d = f.diagnosis;
  return html`<tr class="failure" data-failure-key="${f.failureKey}">
    <td>${timeTag(f.createdAt)}</td>
    <td>
      <a href="${repoFilterHref("/dashboard", f.repo)}">${f.repo}</a>
      <div class="muted">
        ${f.forge} ·
        ${shortSha(f.sha)}${f.ref ? html` · ${f.ref}` : ""}${f.pullRequests.length ? html` · PR ${f.pullRequests.map((n) => `#${n}`).join(", ")}` : ""}
      </div>
    </td>
    <td>${externalLink(f.jobUrl, f.jobName)}</td>
    <td>
      ${
        d
          ? html`<span class="cat" data-category="${d.category}"
                ><svg width="10" height="10" aria-hidden="true">
                  <rect width="10" height="10" fill="${categoryColour(d.category)}"></rect>
                </svg>
                ${d.category}</span
              >${d.tool ? html`<div class="muted">${d.tool}</div>` : ""}${d.flaky ? html` ${badge("flaky")}` : ""}`
          : badge(f.status)
      }
    </td>
    <td class="summary">
      ${
        d
          ? html`<div>${d.summary}</div>
              <div class="muted">
                confidence ${Math.round(d.confidence * 100)}% ·
                <code title="${d.fingerprint}">${d.fingerprint.slice(0, 16)}</code>
              </div>
              ${evidence(d)}`
          : f.error
            ? html`<span class="error">${f.error}</span>`
            : html`<span class="muted">not diagnosed yet</span>`
      }
    </td>
    <td>
      ${
        f.decision
          ? html`${badge(f.decision.verdict)}
              <div class="muted">${f.decision.message}</div>
              ${f.decision.runId ? html`<a href="${runHref(f.decision.runId)}">run</a>` : ""}`
          : html`<span class="muted">–</span>`
      }
    </td>
  </tr>`;
}

/** The log lines around the failure, the primary line marked; hostile text is escaped like everything else. */
function evidence(d: NonNullable<FailureRow["diagnosis"]>): SafeHtml {
  const ev = d.evidence;
  if (!ev || ev.lines.length === 0)
    return d.firstErrorLine ? html`<pre class="evidence">${d.firstErrorLine.text}</pre>` : html``;
  const hitLine = d.firstErrorLine?.lineNumber;
  const lines = ev.lines.slice(0, 20).map((text, i) => {
    const n = ev.startLine + i;
    return html`<span class="${n === hitLine ? "hit" : "l"}"><span class="ln">${n}</span>${text}</span
      >${n === hitLine ? "" : "\n"}`;
  });
  return html`<details class="evidence">
    <summary>evidence (${ev.lines.length} lines)</summary>
    <pre class="evidence">${lines}</pre>
  </details>`;
}

function approvalsTable(rows: readonly ApprovalRow[]): SafeHtml {
  return html`<h2>Waiting for approval</h2>
    <table id="approvals">
      <thead>
        <tr>
          <th>Requested</th>
          <th>Repository</th>
          <th>Rule</th>
          <th>Why</th>
          <th>Expires</th>
          <th>Run</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (a) =>
            html`<tr>
              <td>${timeTag(a.requestedAt)}</td>
              <td>${a.repo}${a.prNumber !== null ? html` #${a.prNumber}` : ""}</td>
              <td><code>${a.rule}</code></td>
              <td>${a.message}</td>
              <td>${timeTag(a.expiresAt)}</td>
              <td><a href="${runHref(a.runId)}">${a.runId}</a></td>
            </tr>`,
        )}
      </tbody>
    </table>`;
}
