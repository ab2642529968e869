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

export function pullRequestTitle(d: Diagnosis, agentName: string): string {
  return plainLine(`fix(${d.category}): ${agentName}${d.tool ? ` for ${d.tool}` : ""}`, 120);
}

export function commitMessage(d: Diagnosis, agentName: string, verify: readonly string[], runId: string): string {
  return [
    pullRequestTitle(d, agentName),
    "",
    plainLine(d.summary, 500),
    "",
    `Verified by re-running \`${plainLine(verify.join(" "))}\` under Sentinel's sentinels: it passes.`,
    "",
    `Sentinel-Run: ${runId}`,
    `Sentinel-Fingerprint: ${d.fingerprint}`,
  ].join("\n");
}

function changedFiles(files: readonly string[]): string {
  return `${files
    .slice(0, 20)
    .map((f) => code(f))
    .join(", ")}${files.length > 20 ? ", …" : ""}`;
}

export function pullRequestBody(
  d: Diagnosis,
  packet: InstructionPacket,
  files: readonly string[],
  verify: readonly string[],
  runId: string,
  agentName: string,
): string {
  return [
    `Sentinel diagnosed a **${escapeMarkdown(d.category)}** failure${d.tool ? ` (${escapeMarkdown(d.tool)})` : ""} and ${escapeMarkdown(agentName)} fixed it.`,
    "",
    `**Failure:** ${escapeMarkdown(d.summary)}`,
    "",
    `**Verified:** ${code(verify.join(" "))} passes in a clean worktree of the failing commit, with nothing new failing.`,
    "",
    `**Changed (${files.length}):** ${changedFiles(files)}`,
    "",
    `**Objective:** ${escapeMarkdown(packet.objective)}`,
    "",
    `<sub>Run ${runId} · fingerprint ${d.fingerprint} · the full record is in Sentinel's ledger.</sub>`,
  ].join("\n");
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
}): string {
  const d = o.diagnosis;
  const fits = Buffer.byteLength(o.patch) <= MAX_PATCH_BYTES;
  return [
    `Sentinel diagnosed a **${escapeMarkdown(d.category)}** failure${d.tool ? ` (${escapeMarkdown(d.tool)})` : ""} and ${escapeMarkdown(o.agentName)} fixed it; ${code(o.verify.join(" "))} passes with the change.`,
    "",
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
