import type { DashboardQueries, RunRow } from "../dashboard-queries.js";
import { html, type SafeHtml } from "../html.js";
import { formatDuration } from "../phase-timeline.js";
import { badge, emptyRow, layout, repoFilterHref, runHref, timeTag } from "./page-layout.js";

const RUNS_SHOWN = 100;
const STATUSES = ["running", "waiting", "succeeded", "failed", "escalated", "policy", "abandoned"] as const;

export interface RunsData {
  readonly repo: string | null;
  readonly status: string | null;
  readonly runs: readonly RunRow[];
}

export async function loadRuns(
  q: DashboardQueries,
  filter: { repo: string | null; status: string | null },
): Promise<RunsData> {
  const runs = await q.runs({ limit: RUNS_SHOWN, repo: filter.repo ?? undefined, status: filter.status ?? undefined });
  return { ...filter, runs };
}

export function runsPage(d: RunsData, loggedIn: boolean, now = new Date()): SafeHtml {
  const statusLinks = [
    html`<a href="/dashboard/runs" ${d.status === null ? html` class="active"` : ""}>all</a>`,
    ...STATUSES.map(
      (s) => html` · <a href="/dashboard/runs?status=${s}" ${d.status === s ? html` class="active"` : ""}>${s}</a>`,
    ),
  ];
  return layout(
    { title: "Runs", active: "runs", loggedIn },
    html`<h1>
        Fix runs${d.repo ? html` in <code>${d.repo}</code> <a href="/dashboard/runs">(all repositories)</a>` : ""}
      </h1>
      <p class="muted">${statusLinks}</p>
      <table id="runs">
        <thead>
          <tr>
            <th>Started</th>
            <th>Run</th>
            <th>Repository</th>
            <th>Agent</th>
            <th>Phase</th>
            <th>Status</th>
            <th class="num">Duration</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          ${d.runs.length ? d.runs.map((r) => runRow(r, now)) : emptyRow(8, "No fix runs yet.")}
        </tbody>
      </table>`,
  );
}

function runRow(r: RunRow, now: Date): SafeHtml {
  const end = r.finishedAt ?? (r.status === "running" ? now : r.heartbeatAt);
  return html`<tr class="run" data-run-id="${r.runId}">
    <td>${timeTag(r.startedAt)}</td>
    <td>
      <a href="${runHref(r.runId)}"><code>${r.runId}</code></a
      >${r.manual ? html` ${badge("manual")}` : ""}
    </td>
    <td>
      <a href="${repoFilterHref("/dashboard/runs", r.repo)}">${r.repo}</a
      >${r.prNumber !== null ? html`<div class="muted">PR #${r.prNumber}</div>` : ""}
    </td>
    <td>
      ${r.agentId ?? html`<span class="muted">–</span>`}${r.action ? html`<div class="muted">${r.action}</div>` : ""}
    </td>
    <td>${r.phase}</td>
    <td>${badge(r.status)}</td>
    <td class="num">${formatDuration(end.getTime() - r.startedAt.getTime())}</td>
    <td class="summary">${r.reason ?? ""}</td>
  </tr>`;
}
