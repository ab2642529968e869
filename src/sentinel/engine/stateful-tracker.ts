import type { Finding } from "../model/types.js";
import type { CompiledStatefulMatcher } from "../rules/rule-set.js";
import { fillTemplate, severityOf } from "./build-finding.js";

interface Hit {
  readonly line: number;
  readonly time?: number;
}

/**
 * "N qualifying findings within a window" matchers. Each keeps a sliding window of hits; when it
 * fills, the matcher fires once and starts counting afresh, so a storm gives one Anomaly per N.
 * Time windows use the findings' timestamps (log prefixes, or the clock in `watch`); a finding
 * with no time is counted as arriving at the same instant as the previous one.
 */
export class StatefulTracker {
  private readonly windows: Hit[][];

  constructor(private readonly matchers: readonly CompiledStatefulMatcher[]) {
    this.windows = matchers.map(() => []);
  }

  observe(f: Finding): Finding[] {
    const fired: Finding[] = [];
    this.matchers.forEach((m, i) => {
      if (!qualifies(m, f)) return;
      const w = this.windows[i] as Hit[];
      w.push(f.time === undefined ? { line: f.logLine } : { line: f.logLine, time: f.time });
      while (w.length > 0 && outside(m, w[0] as Hit, f)) w.shift();
      if (w.length < m.count) return;
      const first = w[0] as Hit;
      const span =
        f.time !== undefined && first.time !== undefined
          ? `${Math.round((f.time - first.time) / 1000)}s`
          : `${f.logLine - first.line + 1} lines`;
      w.length = 0;
      fired.push({
        ruleId: m.ruleId,
        sentinelId: m.sentinelId,
        tool: m.tool,
        classification: m.classification,
        category: m.category,
        severity: severityOf(m.classification),
        confidence: m.confidence,
        message: m.message
          ? fillTemplate(m.message, { count: String(m.count), window: span })
          : `${m.count} matching findings within ${span}`,
        logLine: f.logLine,
        ...(f.step ? { step: f.step } : {}),
        ...(f.time === undefined ? {} : { time: f.time }),
      });
    });
    return fired;
  }
}

function qualifies(m: CompiledStatefulMatcher, f: Finding): boolean {
  if (f.ruleId === m.ruleId) return false;
  if (m.of.classification && !m.of.classification.includes(f.classification)) return false;
  if (m.of.category && (f.category === null || !m.of.category.includes(f.category))) return false;
  if (m.of.rule && !m.of.rule.includes(f.ruleId)) return false;
  return true;
}

function outside(m: CompiledStatefulMatcher, oldest: Hit, now: Finding): boolean {
  if (m.withinLines !== undefined && now.logLine - oldest.line >= m.withinLines) return true;
  if (
    m.withinMs !== undefined &&
    now.time !== undefined &&
    oldest.time !== undefined &&
    now.time - oldest.time > m.withinMs
  )
    return true;
  return false;
}
