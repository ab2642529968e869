import { TIER_NAMES, type Tier } from "../../policy/index.js";
import type { DashboardQueries, LedgerEntry, TierRow } from "../dashboard-queries.js";
import { html, type SafeHtml } from "../html.js";
import { badge, compactJson, emptyRow, layout, runHref, timeTag } from "./page-layout.js";

export interface AgentsData {
  readonly tiers: readonly TierRow[];
  readonly changes: readonly LedgerEntry[];
}

export async function loadAgents(q: DashboardQueries): Promise<AgentsData> {
  const [tiers, changes] = await Promise.all([q.tiers(), q.tierChanges(50)]);
  return { tiers, changes };
}

export function tierLabel(t: Pick<TierRow, "tier" | "revoked">): string {
  if (t.revoked) return "revoked";
  return TIER_NAMES[t.tier as Tier] ?? `T${t.tier}`;
}

export function agentsPage(d: AgentsData, loggedIn: boolean): SafeHtml {
  const groups = new Map<string, TierRow[]>();
  for (const t of d.tiers) {
    const key = `${t.forge}\u0000${t.repo}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return layout(
    { title: "Agents", active: "agents", loggedIn },
    html`<h1>Agents' trust tiers</h1>
      <p class="muted">
        T0 observe (shadow runs only), T1 propose pull requests, T2 push to same-repository PR branches, T3 wider
        scopes. Agents climb by clean runs in a row and drop on reverts; an exceeded error budget revokes them.
      </p>
      <div id="tiers">
        ${groups.size === 0 ? html`<p class="muted">No agent has run in any repository yet.</p>` : [...groups.values()].map(repoTable)}
      </div>
      <h2>Recent tier changes</h2>
      <table id="tier-changes">
        <thead>
          <tr>
            <th>When</th>
            <th>Repository</th>
            <th>Agent</th>
            <th>From → to</th>
            <th>Why</th>
            <th>Run</th>
          </tr>
        </thead>
        <tbody>
          ${d.changes.length ? d.changes.map(changeRow) : emptyRow(6, "No tier changes yet.")}
        </tbody>
      </table>`,
  );
}

function repoTable(rows: readonly TierRow[]): SafeHtml {
  const first = rows[0] as TierRow;
  return html`<section class="repo-group" data-repo="${first.repo}">
    <h2>${first.repo} <span class="muted">(${first.forge})</span></h2>
    <table class="tiers">
      <thead>
        <tr>
          <th>Agent</th>
          <th>Tier</th>
          <th class="num">Clean runs in a row</th>
          <th>Reason</th>
          <th>Updated</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (t) =>
            html`<tr class="tier" data-agent="${t.agentId}">
              <td><code>${t.agentId}</code></td>
              <td>${t.revoked ? badge("revoked") : html`<strong>${tierLabel(t)}</strong>`}</td>
              <td class="num">${t.cleanStreak}</td>
              <td>${t.reason ?? ""}</td>
              <td>${timeTag(t.updatedAt)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function changeRow(e: LedgerEntry): SafeHtml {
  const d = e.data;
  const tierText = (v: unknown) =>
    v === null || v === undefined ? "new" : v === "revoked" ? "revoked" : (TIER_NAMES[Number(v) as Tier] ?? String(v));
  const evidence = { ...d };
  for (const k of ["forge", "repo", "agent", "from", "to", "reason", "runId"]) delete evidence[k];
  return html`<tr>
    <td>${timeTag(e.at)}</td>
    <td>${String(d.repo ?? "")}</td>
    <td><code>${String(d.agent ?? "")}</code></td>
    <td>${tierText(d.from)} → <strong>${tierText(d.to)}</strong></td>
    <td>
      ${String(d.reason ?? "")}${Object.keys(evidence).length ? html`<div class="muted mono">${compactJson(evidence, 300)}</div>` : ""}
    </td>
    <td>${e.runId ? html`<a href="${runHref(e.runId)}"><code>${e.runId}</code></a>` : ""}</td>
  </tr>`;
}
