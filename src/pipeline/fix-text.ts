import { commandLine } from "../core/index.js";
import { code, escapeMarkdown, fence } from "../notify/index.js";
import type { Diagnosis } from "../sentinel/index.js";
import type { InstructionPacket } from "./governance.js";

/**
 * What Sentinel writes about a fix: commit messages, pull request titles and bodies, a fork's
 * patch comment. The diagnosis comes from a CI log and file names from a repository, so every
 * piece of them is made inert: no mentions, links, images, HTML or references, and code spans
 * no backtick run can close.
 */

/** One line of a commit message from log text: no newlines, no mentions, bounded. */
function plainLine(s: string, max = 200): string {
  return s
    .replace(/[\r\n]+/g, " ")
    .replace(/@(?=\w)/g, "@\u200b")
    .slice(0, max);
}

/** How tools are spelled in a sentence, where their id is not how people write them. */
const TOOL_NAMES: Readonly<Record<string, string>> = {
  eslint: "ESLint",
  clippy: "Clippy",
  ruff: "Ruff",
  prettier: "Prettier",
  rustfmt: "rustfmt",
};

/** The changed files as a title names them: the one file, else how many. */
function whatChanged(files: readonly string[]): string {
  return files.length === 1 ? files[0]! : `${files.length} files`;
}

/**
 * The error-level diagnostics the tool printed, each once: a diagnostic names a file (a summary or
 * count line does not), and two rules matching the same one make one.
 */
function errorDiagnostics(d: Diagnosis): number {
  const seen = new Set<string>();
  for (const f of d.findings)
    if (f.severity === "error" && f.file) seen.add(`${f.file}:${f.line ?? ""}:${f.column ?? ""}:${f.code ?? ""}`);
  return seen.size;
}

/**
 * A title as a person would write it: what was done, to what, with which fixer ("Format
 * src/app.py with black", "Fix 3 ESLint problems with ESLint --fix").
 */
export function pullRequestTitle(d: Diagnosis, agentName: string, files: readonly string[] = []): string {
  const tool = d.tool ? (TOOL_NAMES[d.tool] ?? d.tool) : null;
  const where = files.length > 0 ? ` in ${whatChanged(files)}` : "";
  const problems = errorDiagnostics(d);
  const title =
    d.category === "format"
      ? `Format ${files.length > 0 ? whatChanged(files) : "the code"} with ${agentName}`
      : d.category === "lint" && tool
        ? problems > 0
          ? `Fix ${problems} ${tool} problem${problems === 1 ? "" : "s"} with ${agentName}`
          : `Fix ${tool} problems${where} with ${agentName}`
        : d.category === "dependency"
          ? `Update ${files.length > 0 ? whatChanged(files) : "the lockfile"} with ${agentName}`
          : `Fix the ${tool ?? d.category} failure${where} with ${agentName}`;
  return plainLine(title, 120);
}

/**
 * Text from a run's own commands names files under the run's worktree (`Diff in
 * /…/worktrees/run_…/src/main.rs`): in a commit message they read repository-relative.
 */
export function repositoryRelative(text: string, worktreeRoots: readonly string[]): string {
  let out = text;
  for (const root of worktreeRoots) if (root) out = out.split(`${root.replace(/\/+$/, "")}/`).join("");
  return out;
}

export function commitMessage(
  d: Diagnosis,
  agentName: string,
  verify: readonly string[],
  runId: string,
  o: { files?: readonly string[]; worktreeRoots?: readonly string[]; model?: ModelNote | undefined } = {},
): string {
  // A commit pushed onto a pull request's branch has no pull request body: the message itself says
  // a model wrote it, and a trailer lets `git log --grep` and scripts find every such commit.
  const model = o.model ? plainLine(o.model.model, 200) : null;
  return [
    pullRequestTitle(d, agentName, o.files),
    "",
    plainLine(repositoryRelative(d.summary, o.worktreeRoots ?? []), 500),
    "",
    `Verified by re-running \`${plainLine(commandLine(verify))}\` under Sentinel's sentinels: it passes.`,
    ...(model
      ? [
          "",
          `Model-written: a language model, ${model} (Sentinel's llm-patch agent), wrote this change; ` +
            "review it as you would a person's.",
        ]
      : []),
    "",
    `Sentinel-Run: ${runId}`,
    `Sentinel-Fingerprint: ${d.fingerprint}`,
    ...(model ? [`Sentinel-Model: ${model}`] : []),
  ].join("\n");
}

function changedFiles(files: readonly string[]): string {
  return `${files
    .slice(0, 20)
    .map((f) => code(f))
    .join(", ")}${files.length > 20 ? ", …" : ""}`;
}

/** Who wrote a model-written fix and what it cost, for its pull request. */
export interface ModelNote {
  readonly model: string;
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** In the deployment's price units (SENTINEL_LLM_PRICE_*_PER_1K). */
  readonly cost: number;
  readonly turns: number;
  /** The patch was verified for this failure before, in this run: this run asked no model. */
  readonly reusedFrom?: string;
  /** The recipe tried first, whose change failed VERIFY and was taken back. */
  readonly afterRecipe?: string;
}

export function pullRequestBody(
  d: Diagnosis,
  packet: InstructionPacket,
  files: readonly string[],
  verify: readonly string[],
  runId: string,
  agentName: string,
  model?: ModelNote,
): string {
  return [
    `Sentinel diagnosed a **${escapeMarkdown(d.category)}** failure${d.tool ? ` (${escapeMarkdown(d.tool)})` : ""} and ${escapeMarkdown(agentName)} fixed it.`,
    "",
    ...(model ? [modelWritten(model, runId), ""] : []),
    `**Failure:** ${escapeMarkdown(d.summary)}`,
    "",
    `**Verified:** ${code(commandLine(verify))} passes in a clean worktree of the failing commit, with nothing new failing.`,
    "",
    `**Changed (${files.length}):** ${changedFiles(files)}`,
    "",
    `**Objective:** ${escapeMarkdown(packet.objective)}`,
    "",
    `<sub>Run ${runId} · fingerprint ${d.fingerprint} · the full record is in Sentinel's ledger.</sub>`,
  ].join("\n");
}

/** The model's name comes from the deployment's configuration: still made inert. Run ids are Sentinel's own. */
function modelWritten(m: ModelNote, runId: string): string {
  const spent = `${m.turns} turn${m.turns === 1 ? "" : "s"}, ${m.tokensIn} tokens in and ${m.tokensOut} out, cost ${formatCost(m.cost)}`;
  const review =
    (m.afterRecipe
      ? `The recipe ${code(m.afterRecipe)} was tried first; its change did not pass, so Sentinel took it back before the model tried. `
      : "") + "Sentinel verified it like any fix; review it as you would a person's.";
  // A run that waited for an approval resumes from the start and finds its own verified patch.
  if (m.reusedFrom === runId)
    return (
      `**Model-written:** a language model, ${code(m.model)} (Sentinel's llm-patch agent), wrote this change before it was approved (${spent}). ` +
      `After the approval Sentinel applied the same patch and verified it again, with no further model call. ${review}`
    );
  return m.reusedFrom
    ? `**Model-written (reused):** ${code(m.model)} wrote this change for the same failure in run ${m.reusedFrom} (${spent}). ` +
        `It still applies and passes, so this run reused it and made no model call (0 tokens). ${review}`
    : `**Model-written:** a language model, ${code(m.model)} (Sentinel's llm-patch agent), wrote this change in ${spent}. ${review}`;
}

function formatCost(cost: number): string {
  return cost === 0 ? "0" : cost < 0.01 ? cost.toPrecision(2) : cost.toFixed(2);
}

/** Largest patch a comment carries (forges cap comments near 64 KiB). */
export const MAX_PATCH_BYTES = 48 * 1024;

/** A fork's verified fix, as a comment with the patch to apply. */
export function forkPatchComment(o: {
  diagnosis: Diagnosis;
  agentName: string;
  verify: readonly string[];
  runId: string;
  files: readonly string[];
  patch: string;
  /** Set when a language model wrote the patch: the comment says so before the patch. */
  model?: ModelNote | undefined;
}): string {
  const d = o.diagnosis;
  const fits = Buffer.byteLength(o.patch) <= MAX_PATCH_BYTES;
  return [
    `Sentinel diagnosed a **${escapeMarkdown(d.category)}** failure${d.tool ? ` (${escapeMarkdown(d.tool)})` : ""} and ${escapeMarkdown(o.agentName)} fixed it; ${code(commandLine(o.verify))} passes with the change.`,
    "",
    ...(o.model ? [modelWritten(o.model, o.runId), ""] : []),
    "This pull request comes from a fork, so Sentinel pushes nothing: neither to your branch nor to this repository. " +
      (fits
        ? "To apply the fix, save the patch below as `sentinel.patch` and run `git apply sentinel.patch` on your branch."
        : "The patch is too large for a comment; a maintainer can read it in Sentinel's ledger."),
    "",
    `**Changed (${o.files.length}):** ${changedFiles(o.files)}`,
    "",
    fits
      ? fence(o.patch).replace(/^(`+)text\n/, "$1diff\n")
      : `_The patch is ${Buffer.byteLength(o.patch)} bytes; comments carry at most ${MAX_PATCH_BYTES}._`,
    "",
    `<sub>Run ${o.runId} · fingerprint ${d.fingerprint}</sub>`,
  ].join("\n");
}
