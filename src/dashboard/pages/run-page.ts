import type { DashboardQueries, LedgerEntry, PullRequestRow, RunRow } from "../dashboard-queries.js";
import { externalLink, html, type SafeHtml } from "../html.js";
import { formatDuration, phaseTimeline, type PhaseSegment } from "../phase-timeline.js";
import { modelFacts, modelLedgerEntry } from "./model-usage.js";
import { badge, compactJson, layout, repoFilterHref, runHref, shortSha, timeTag } from "./page-layout.js";

export interface RunData {
  readonly run: RunRow;
  readonly timeline: readonly PhaseSegment[];
  readonly pullRequests: readonly PullRequestRow[];
  /** Whether the ledger was cut at its cap (a very long run). */
  readonly truncated: boolean;
}

const LEDGER_CAP = 2000;

export async function loadRun(q: DashboardQueries, runId: string, now = new Date()): Promise<RunData | null> {
  const run = await q.run(runId);
  if (!run) return null;
  const [ledger, pullRequests] = await Promise.all([q.ledger(runId, LEDGER_CAP), q.pullRequestsOfRun(runId)]);
  return { run, timeline: phaseTimeline(run, ledger, now), pullRequests, truncated: ledger.length >= LEDGER_CAP };
}

/** Runs that may still print: the live view is offered for them. */
export function isLive(run: RunRow): boolean {
  return run.status === "running";
}

export function runPage(d: RunData, loggedIn: boolean): SafeHtml {
  const r = d.run;
  const total = d.timeline.reduce((a, s) => a + s.ms, 0);
  return layout(
    { title: `Run ${r.runId}`, active: "runs", loggedIn },
    html`<h1>Run <code>${r.runId}</code> ${badge(r.status)}</h1>
      <section class="panel">
        <dl class="facts">
          <dt>Repository</dt>
          <dd>
            <a href="${repoFilterHref("/dashboard/runs", r.repo)}">${r.repo}</a>
            <span class="muted">(${r.forge})</span>${r.prNumber !== null ? html` · PR #${r.prNumber}` : ""}
          </dd>
          <dt>Commit</dt>
          <dd>${shortSha(r.sha)}</dd>
          <dt>Agent</dt>
          <dd>
            ${r.agentId ?? "–"}${r.action ? html` · ${r.action}` : ""}${r.manual ? html` · asked for by a maintainer` : ""}
          </dd>
          ${modelFacts(d.timeline)}
          <dt>Fingerprint</dt>
          <dd><code>${r.fingerprint}</code></dd>
          <dt>Phase</dt>
          <dd id="run-phase">${r.phase}</dd>
          <dt>Started</dt>
          <dd>${timeTag(r.startedAt)}</dd>
          <dt>Finished</dt>
          <dd>${timeTag(r.finishedAt)}</dd>
          <dt>Duration</dt>
          <dd>${formatDuration(total)}${r.status === "running" ? " so far" : ""}</dd>
          ${
            r.reason
              ? html`<dt>Outcome</dt>
                  <dd>${r.reason}</dd>`
              : ""
          }
          ${d.pullRequests.map(
            (p) =>
              html`<dt>Pull request</dt>
                <dd>${externalLink(p.url, `#${p.number} ${p.title}`)} ${badge(p.state)}</dd>`,
          )}
        </dl>
      </section>
      ${isLive(r) ? liveSection(r.runId) : ""}
      <h2>Phase timeline</h2>
      ${timelineChart(d.timeline)}
      ${d.truncated ? html`<p class="muted">Only the first ${LEDGER_CAP} ledger entries are shown.</p>` : ""}
      <div id="phases">${d.timeline.map(phaseBlock)}</div>`,
  );
}

function liveSection(runId: string): SafeHtml {
  return html`<section class="live" id="live" data-stream="${runHref(runId)}/live">
    <div class="live-head">
      <h2>Live output</h2>
      <span class="live-status badge neutral">connecting…</span
      ><span class="muted">phase <span class="live-phase">–</span></span
      ><a class="live-reload" href="${runHref(runId)}" hidden>reload for the full ledger</a>
    </div>
    <div class="live-lines" role="log" aria-live="polite"></div>
  </section>`;
}

const PHASE_COLOURS: Readonly<Record<string, string>> = {
  BOOTSTRAP: "#7f8ba0",
  PREFLIGHT: "#5b9bd5",
  PLAN: "#8e6cc1",
  EXECUTE: "#f0ad4e",
  VERIFY: "#70c1b3",
  PACKAGE: "#e377c2",
  REPORT: "#1f8a4c",
  EXIT: "#4d5666",
  "waiting for approval": "#b7791f",
  resumed: "#2f5fd0",
};

/** One bar split by phase, widths by duration (every phase gets a sliver, so none disappears). */
function timelineChart(segments: readonly PhaseSegment[]): SafeHtml {
  const width = 1000;
  const height = 34;
  const total = segments.reduce((a, s) => a + s.ms, 0);
  const minW = 6;
  const flexible = width - minW * segments.length;
  let x = 0;
  const rects = segments.map((s) => {
    const w =
      minW +
      (total > 0 ? (s.ms / total) * Math.max(0, flexible) : Math.max(0, flexible) / Math.max(1, segments.length));
    const rect = html`<g class="seg" data-phase="${s.label}"
      ><rect
        x="${x.toFixed(1)}"
        y="0"
        width="${w.toFixed(1)}"
        height="${height}"
        fill="${PHASE_COLOURS[s.label] ?? "#4d5666"}"
        ><title>${s.label}: ${formatDuration(s.ms)}${s.endedAt ? "" : " (so far)"}</title></rect
      >${w > 70 ? html`<text class="seg-label" x="${(x + 6).toFixed(1)}" y="21">${s.label} ${formatDuration(s.ms)}</text>` : ""}</g
    >`;
    x += w;
    return rect;
  });
  return html`<figure class="timeline" id="timeline">
    <svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Phase timeline">${rects}</svg>
  </figure>`;
}

function phaseBlock(s: PhaseSegment): SafeHtml {
  return html`<section class="phase-block" data-phase="${s.label}">
    <h3>
      ${s.label}
      <span class="muted">${formatDuration(s.ms)}${s.endedAt ? "" : " so far"} · from ${timeTag(s.startedAt)}</span>
    </h3>
    ${
      s.entries.length
        ? html`<ul class="events">
            ${s.entries.filter((e) => !e.kind.startsWith("phase.")).map(ledgerEntry)}
          </ul>`
        : ""
    }
  </section>`;
}

function ledgerEntry(e: LedgerEntry): SafeHtml {
  const model = modelLedgerEntry(e);
  if (model) return model;
  const d = e.data;
  if (e.kind === "command") {
    const command = Array.isArray(d.command) ? d.command.map(String).join(" ") : String(d.command ?? "");
    const diag = (d.diagnosis ?? null) as { status?: unknown; category?: unknown; summary?: unknown } | null;
    const exit = d.timedOut ? "timed out" : `exit ${String(d.exitCode ?? "?")}`;
    return html`<li class="command" data-seq="${e.seq}">
      <span class="kind">command</span><strong>${String(d.step ?? "")}</strong>
      <code>${command}</code> ${badge(d.exitCode === 0 ? "succeeded" : "failed")}
      <span class="muted"
        >${exit} · ${formatDuration(Number(d.ms))}${d.sandboxed === false ? " · NOT sandboxed" : ""}</span
      >
      ${diag && typeof diag.summary === "string" ? html`<div class="muted">${String(diag.category ?? "")}: ${diag.summary}</div>` : ""}
      ${
        typeof d.outputTail === "string" && d.outputTail.length
          ? html`<details>
              <summary>output (last ${d.outputTail.length} characters)</summary>
              <pre class="output">${d.outputTail}</pre>
            </details>`
          : ""
      }
    </li>`;
  }
  if (e.kind === "policy.decision") {
    const verdict = String(d.verdict ?? "?");
    const notes = Array.isArray(d.notes) ? d.notes.map(String) : [];
    return html`<li class="policy" data-seq="${e.seq}">
      <span class="kind">policy</span>${String(d.stage ?? "")}
      ${badge(verdict)}${d.action ? html` → <strong>${String(d.action)}</strong>` : ""}${d.rule ? html` <code>${String(d.rule)}</code>` : ""}${d.message ? html`<div>${String(d.message)}</div>` : ""}${
        notes.length
          ? html`<ul class="notes">
              ${notes.map((n) => html`<li>${n}</li>`)}
            </ul>`
          : ""
      }
    </li>`;
  }
  if (e.kind === "pull-request") {
    return html`<li data-seq="${e.seq}">
      <span class="kind">pull-request</span>${externalLink(d.url, `#${String(d.number ?? "?")}`)}
      <code>${String(d.branch ?? "")}</code>
    </li>`;
  }
  return html`<li data-seq="${e.seq}">
    <span class="kind">${e.kind}</span><span class="muted">${timeTag(e.at)}</span>
    <code class="mono">${compactJson(d)}</code>
  </li>`;
}
