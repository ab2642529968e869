import type { DashboardQueries, PullRequestRow } from "../dashboard-queries.js";
import { externalLink, html, type SafeHtml } from "../html.js";
import { emptyRow, layout, runHref, timeTag } from "./page-layout.js";

export interface PullRequestsData {
  readonly pullRequests: readonly PullRequestRow[];
}

export async function loadPullRequests(q: DashboardQueries): Promise<PullRequestsData> {
  return { pullRequests: await q.openPullRequests(200) };
}

export function pullRequestsPage(d: PullRequestsData, loggedIn: boolean): SafeHtml {
  return layout(
    { title: "Open fix pull requests", active: "pull-requests", loggedIn },
    html`<h1>Open fix pull requests</h1>
      <p class="muted">
        Pull and merge requests Sentinel opened (fix) or pushed a fix onto (push), still open on the forge as far as
        Sentinel last heard.
      </p>
      <table id="pull-requests">
        <thead>
          <tr>
            <th>Opened</th>
            <th>Repository</th>
            <th>Pull request</th>
            <th>Branch</th>
            <th>Kind</th>
            <th>Agent</th>
            <th>Run</th>
          </tr>
        </thead>
        <tbody>
          ${d.pullRequests.length ? d.pullRequests.map(row) : emptyRow(7, "No open fix pull requests.")}
        </tbody>
      </table>`,
  );
}

function row(p: PullRequestRow): SafeHtml {
  return html`<tr class="pull-request">
    <td>${timeTag(p.createdAt)}</td>
    <td>
      ${p.repo}
      <div class="muted">${p.forge}</div>
    </td>
    <td>${externalLink(p.url, `#${p.number}`)} ${p.title}</td>
    <td><code>${p.headBranch}</code> → <code>${p.baseBranch}</code></td>
    <td>${p.kind}</td>
    <td>${p.agentId ?? html`<span class="muted">–</span>`}</td>
    <td>
      ${p.runId ? html`<a href="${runHref(p.runId)}"><code>${p.runId}</code></a>` : html`<span class="muted">–</span>`}
    </td>
  </tr>`;
}
