import type { Classification, Diagnosis, Finding } from "../sentinel/index.js";

const COLORS: Partial<Record<Classification, string>> = {
  Error: "\x1b[31m",
  Security: "\x1b[35m",
  Anomaly: "\x1b[35m",
  Warning: "\x1b[33m",
  ActionItem: "\x1b[36m",
  Success: "\x1b[32m",
  Info: "\x1b[2m",
  Verbose: "\x1b[2m",
};
const RESET = "\x1b[0m";
const MAX_FINDINGS_SHOWN = 20;

export function colorize(text: string, classification: Classification | undefined, enabled: boolean): string {
  const c = classification && COLORS[classification];
  return enabled && c ? c + text + RESET : text;
}

export function formatFinding(f: Finding): string {
  const where = f.file
    ? `${f.file}${f.line ? `:${f.line}` : ""}${f.column ? `:${f.column}` : ""}`
    : `log line ${f.logLine}`;
  return `${f.severity.padEnd(7)} ${where}${f.code ? `  ${f.code}` : ""}  ${f.message}  [${f.ruleId}]`;
}

/** The human-readable diagnosis printed by `classify` and at the end of `watch`. */
export function formatDiagnosisText(d: Diagnosis, color = false): string {
  const out: string[] = [];
  const mark = d.status === "passed" ? "✔" : d.status === "failed" ? "✖" : "?";
  const headClass: Classification = d.status === "passed" ? "Success" : d.status === "failed" ? "Error" : "Warning";
  out.push(
    colorize(
      `${mark} ${d.status}: ${d.category}${d.tool ? ` (${d.tool})` : ""}, confidence ${d.confidence}`,
      headClass,
      color,
    ),
  );
  out.push(`  ${d.summary}`);
  if (d.step) out.push(`  step: ${d.step.name}${d.step.section ? ` › ${d.step.section}` : ""}`);
  if (d.firstErrorLine)
    out.push(`  first error, log line ${d.firstErrorLine.lineNumber}:`, `    ${d.firstErrorLine.text}`);
  if (d.evidence && d.evidence.lines.length > 0) {
    out.push(`  evidence (from log line ${d.evidence.startLine}):`);
    for (const l of d.evidence.lines) out.push(`    │ ${l}`);
  }
  if (d.lastErrorLines.length > 0) {
    out.push("  last error-looking lines:");
    for (const l of d.lastErrorLines) out.push(`    ${l.lineNumber}: ${l.text}`);
  }
  const shown = d.findings
    .filter((f) => f.classification !== "Verbose" && f.classification !== "Info")
    .slice(0, MAX_FINDINGS_SHOWN);
  if (shown.length > 0) {
    out.push("  findings:");
    for (const f of shown) out.push("    " + colorize(formatFinding(f), f.classification, color));
    const more = d.findings.length + d.stats.findingsDropped - shown.length;
    if (more > 0) out.push(`    … and ${more} more (use --format json for all)`);
  }
  if (d.stats.truncated) out.push("  note: the log was cut at the byte limit; later failures are not included.");
  out.push(`  fingerprint: ${d.fingerprint}`);
  return out.join("\n") + "\n";
}
