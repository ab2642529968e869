import type { LedgerEntry } from "../dashboard-queries.js";
import { html, type SafeHtml } from "../html.js";
import { formatDuration, type PhaseSegment } from "../phase-timeline.js";
import { badge } from "./page-layout.js";

/**
 * What the llm-patch agent did in a run, read from the run's ledger (`model.usage`, written at
 * EXECUTE): the model, tokens in and out, cost, turns and wall time, or the cached patch it reused.
 */
export function modelFacts(segments: readonly PhaseSegment[]): SafeHtml | "" {
  const usage = segments.flatMap((s) => s.entries).find((e) => e.kind === "model.usage");
  if (!usage) return "";
  const d = usage.data;
  const outcome = String(d.outcome ?? "?");
  const reused =
    outcome === "reused"
      ? html` · reused the verified patch of run <code>${String(d.reusedFrom)}</code>, no model call`
      : "";
  return html`<dt>Model</dt>
    <dd id="model-usage">
      <code>${String(d.model ?? "?")}</code> ${badge(outcome)} · ${num(d.turns)} turns · ${num(d.tokensIn)} tokens in,
      ${num(d.tokensOut)} out · cost ${String(d.cost ?? 0)} ·
      ${formatDuration(Number(d.wallMs ?? 0))}${reused}${
        d.rule ? html` · stopped by <code>${String(d.rule)}</code>` : ""
      }
    </dd>`;
}

/** The model's own ledger entries, shown readably; null for every other kind. */
export function modelLedgerEntry(e: LedgerEntry): SafeHtml | null {
  const d = e.data;
  if (e.kind === "model.patch")
    return html`<li class="model-patch" data-seq="${e.seq}">
      <span class="kind">model.patch</span><code>${String(d.model ?? "")}</code>
      <span class="muted"
        >${num(d.bytes)} bytes${d.reusedFrom ? html` · reused from run ${String(d.reusedFrom)}` : ""}</span
      >
      ${
        typeof d.patch === "string"
          ? html`<details>
              <summary>the verified patch</summary>
              <pre class="output">${d.patch}</pre>
            </details>`
          : html`<div class="muted">too large to keep here; sha256 ${String(d.sha256 ?? "")}</div>`
      }
    </li>`;
  if (e.kind === "model.check")
    return html`<li class="command" data-seq="${e.seq}">
      <span class="kind">run_check</span>${badge(d.exitCode === 0 ? "succeeded" : "failed")}
      <span class="muted"
        >${String(d.category ?? "")}: ${String(d.summary ?? "")} · ${formatDuration(Number(d.ms))}</span
      >
    </li>`;
  if (e.kind === "model.usage") {
    const tried = Array.isArray(d.tried) ? d.tried.map(String) : [];
    return html`<li class="model-usage" data-seq="${e.seq}">
      <span class="kind">model.usage</span>${badge(String(d.outcome ?? "?"))}
      <span class="muted"
        >${num(d.turns)} turns · ${num(d.tokensIn)} in / ${num(d.tokensOut)} out · cost ${String(d.cost ?? 0)}</span
      >
      ${d.reason ? html`<div>${String(d.reason)}</div>` : ""}${
        tried.length
          ? html`<ul class="notes">
              ${tried.map((t) => html`<li>${t}</li>`)}
            </ul>`
          : ""
      }
    </li>`;
  }
  return null;
}

function num(value: unknown): string {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n.toLocaleString("en-US") : "?";
}
