import { commandLine } from "../core/index.js";
import type { LedgerEntry } from "./ledger-entry.js";

/** What a run saw, decided and did, in the order the ledger holds it. */
export interface ReplayStep {
  readonly seq: number;
  readonly at: string;
  /** Milliseconds since the run's first entry. */
  readonly offsetMs: number;
  readonly what: "phase" | "saw" | "decided" | "did" | "ended";
  readonly kind: string;
  readonly summary: string;
  /** Lines shown under the summary: what a command printed last when no sentinel knew its output. */
  readonly detail?: readonly string[];
}

type Data = Record<string, unknown>;
const str = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));
const cmd = (v: unknown) => (Array.isArray(v) ? commandLine(v.map(String)) : str(v));

/** How each kind of entry reads in a replay; kinds not named here are shown as they are. */
const READERS: Record<string, (d: Data) => [ReplayStep["what"], string]> = {
  "run.started": (d) => [
    "did",
    `started for ${str(d.sha).slice(0, 12)} on ${str(d.baseBranch)}${d.manual ? " (asked for by a maintainer)" : ""}`,
  ],
  "run.resumed": () => ["did", "resumed after approval"],
  "run.waiting": (d) => ["decided", `waits for approval (${str(d.rule)}): ${str(d.reason)}`],
  "run.abandoned": (d) => ["ended", `abandoned: ${str(d.reason)}`],
  "run.error": (d) => ["ended", `error in ${str(d.phase)}: ${str(d.error)}`],
  "run.finished": (d) => ["ended", `${str(d.status)}: ${str(d.reason)}`],
  diagnosis: (d) => [
    "saw",
    `${str(d.category)}${d.tool ? ` (${str(d.tool)})` : ""}: ${str(d.summary)} [${str(d.fingerprint)}]`,
  ],
  "workspace.mirror": (d) => ["did", `${d.cold ? "cloned" : "fetched"} the mirror in ${str(d.ms)} ms`],
  "workspace.worktree": () => ["did", "made a fresh worktree at the failing commit"],
  "workspace.removed": () => ["did", "removed the worktree"],
  "sandbox.missing": (d) => ["saw", `no sandbox on this worker (policy: ${str(d.policy)})`],
  plan: (d) => [
    "decided",
    `agent ${str(d.agent)} (confidence ${str(d.confidence)}), steps: ${(Array.isArray(d.steps) ? d.steps : []).map((s) => cmd((s as Data).command)).join("; ")}; verify: ${cmd(d.verify)}`,
  ],
  "policy.decision": (d) => [
    "decided",
    `${str(d.stage)} gate: ${str(d.verdict)}${d.action ? ` → ${str(d.action)}` : ""}${d.rule ? ` (${str(d.rule)})` : ""}${d.message ? `: ${str(d.message)}` : ""}`,
  ],
  command: (d) => [
    "did",
    `ran \`${cmd(d.command)}\` (step ${str(d.step)}): exit ${d.timedOut ? "timeout" : str(d.exitCode)} in ${str(d.ms)} ms${d.diagnosis ? `; saw ${str((d.diagnosis as Data).status)} ${str((d.diagnosis as Data).category)}` : ""}`,
  ],
  verify: (d) => ["saw", `verify \`${cmd(d.command)}\`: exit ${str(d.exitCode)}, ${str(d.status)}: ${str(d.summary)}`],
  diff: (d) => [
    "saw",
    `diff: ${Array.isArray(d.files) ? d.files.length : 0} file(s), +${str(d.linesAdded)} −${str(d.linesDeleted)}`,
  ],
  violation: (d) => ["saw", `procedure violation: ${str(d.what)}`],
  shadow: (d) => ["decided", `shadow: would change ${Array.isArray(d.wouldChange) ? d.wouldChange.join(", ") : ""}`],
  pushed: (d) => ["did", `pushed ${str(d.commit).slice(0, 12)} to ${str(d.branch)}`],
  "pull-request": (d) => [
    "did",
    `${d.created ? "opened" : "updated"} pull request #${str(d.number)}${d.url ? ` ${str(d.url)}` : ""}`,
  ],
  escalated: (d) => ["decided", `escalated to a human${d.revoked ? ", agent revoked" : ""}: ${str(d.reason)}`],
  "tier.changed": (d) => [
    "decided",
    `${str(d.agentId ?? d.agent)} tier ${str(d.from)} → ${str(d.to)}: ${str(d.reason)}`,
  ],
};

export function replayRun(entries: readonly LedgerEntry[]): ReplayStep[] {
  const start = entries[0] ? Date.parse(entries[0].at) : 0;
  return entries.map((e) => {
    const phase = /^phase\.(.+)$/.exec(e.kind);
    const reader = READERS[e.kind];
    const [what, summary]: [ReplayStep["what"], string] = phase
      ? ["phase", `entered ${phase[1]}`]
      : reader
        ? reader(e.data)
        : e.kind.startsWith("approval.")
          ? ["decided", `${e.kind.slice("approval.".length)} by ${str(e.data.by)} via ${str(e.data.via)}`]
          : ["did", `${e.kind} ${JSON.stringify(e.data)}`];
    const step = { seq: e.seq, at: e.at, offsetMs: Date.parse(e.at) - start, what, kind: e.kind, summary };
    const detail = e.kind === "diagnosis" && Array.isArray(e.data.lastLines) ? e.data.lastLines.map(str) : [];
    return detail.length > 0 ? { ...step, detail } : step;
  });
}

export function formatReplay(runId: string, steps: readonly ReplayStep[]): string {
  if (steps.length === 0) return `run ${runId}: no ledger entries\n`;
  const lines = steps.flatMap((s) => [
    `${`+${(s.offsetMs / 1000).toFixed(3)}s`.padStart(10)}  #${String(s.seq).padEnd(6)} ${s.what.padEnd(7)} ${s.summary}`,
    ...(s.detail ?? []).map((l) => `${" ".repeat(28)}| ${l}`),
  ]);
  return `run ${runId}, from ${steps[0]!.at}\n${lines.join("\n")}\n`;
}
