import type { Diagnosis, Finding, StepRef, StreamSource } from "../model/types.js";
import { ProblemMatcherSet } from "../problem-matcher/index.js";
import type { RuleSet } from "../rules/rule-set.js";
import { BlockTracker, type BlockContext } from "./block-tracker.js";
import { buildFinding, type LineContext } from "./build-finding.js";
import { cleanLine } from "./clean-line.js";
import { CpuBudget, DEFAULT_CPU_BUDGET_MS } from "./cpu-budget.js";
import { DiagnosisBuilder } from "./diagnosis-builder.js";
import { LineScanner } from "./line-scanner.js";
import { matchRules, type RuleEnv } from "./match-rules.js";
import { candidatesFor, planMatching } from "./matching-plan.js";
import { ProblemFeed } from "./problem-feed.js";
import { Router, type RoutedEvent } from "./router.js";
import { selectSentinels } from "./select-sentinels.js";
import { StatefulTracker } from "./stateful-tracker.js";
import { StepTracker } from "./step-tracker.js";

export type ClassifierEvent =
  | { readonly type: "finding"; readonly finding: Finding }
  | { readonly type: "routed"; readonly routed: RoutedEvent }
  | { readonly type: "line"; readonly lineNumber: number; readonly text: string; readonly finding?: Finding };

export interface ClassifierOptions {
  readonly source?: StreamSource;
  readonly jobName?: string;
  readonly command?: string;
  /** Stop reading after this many bytes (the diagnosis says so). Default 1 GiB. */
  readonly maxBytes?: number;
  /** Lines longer than this are cut for matching. Default 64 KiB. */
  readonly maxLineBytes?: number;
  /**
   * Stop after this many milliseconds spent matching lines against rules (the diagnosis says so,
   * in `stats.stopped` and its summary). Default 10 s: the builtins spend well under a second of
   * it on a 200 MB log, so only a rule set and a log built to be slow together reach it.
   */
  readonly cpuBudgetMs?: number;
  /** Extra absolute prefixes to strip from file paths (the CI workspace). */
  readonly workspaceRoots?: readonly string[];
  /** The live clock for `watch`; logs use their own timestamps. */
  readonly clock?: () => number;
  /** Look at every line and emit a `line` event for each (for live output). */
  readonly everyLine?: boolean;
  readonly onEvent?: (event: ClassifierEvent) => void;
}

export interface Classifier {
  write(chunk: Buffer | string): void;
  end(result?: { exitCode?: number }): Diagnosis;
}

const EVIDENCE_BEFORE = 3;
const EVIDENCE_AFTER = 6;

export function createClassifier(rules: RuleSet, options: ClassifierOptions = {}): Classifier {
  const sentinels = selectSentinels(rules.sentinels, options);
  const plan = planMatching(sentinels);
  const workspaceRoots = options.workspaceRoots ?? [];
  const emit = options.onEvent ?? (() => {});
  const steps = new StepTracker();
  const builder = new DiagnosisBuilder();
  const stateful = new StatefulTracker(sentinels.flatMap((s) => s.statefulMatchers));
  const router = new Router(sentinels, (routed) => emit({ type: "routed", routed }));
  const problems = plan.problemMatchers.length > 0 ? new ProblemMatcherSet(plan.problemMatchers) : null;
  const feed = problems ? new ProblemFeed(plan, problems) : null;
  let pendingEvidence = 0;
  const budget = new CpuBudget(options.cpuBudgetMs ?? DEFAULT_CPU_BUDGET_MS);
  /** The line matching stopped on when the CPU budget ran out. */
  let stoppedAt: number | null = null;

  const scanner = new LineScanner(
    plan.prefilter,
    { maxBytes: options.maxBytes ?? 1024 ** 3, maxLineBytes: options.maxLineBytes ?? 64 * 1024 },
    onLine,
  );
  if (options.everyLine || plan.everyLine) scanner.forceNext = Number.MAX_SAFE_INTEGER;

  const blocks = new BlockTracker(
    (m, match, start, context) => record(buildFinding(m, match, start, workspaceRoots, context.lastLine), context),
    EVIDENCE_AFTER,
  );
  const env: RuleEnv = { plan, problems, budget, blocks, scanner, workspaceRoots, record, recentLines };

  /**
   * `context` is the line that produced the finding (the current one) or, for a finding completed
   * over several lines, its first line with the lines around it; a stateful finding derived from
   * it names the same line.
   */
  function record(f: Finding, context: string | BlockContext): void {
    steps.count(f.step, f.severity === "error" ? "error" : "warning");
    accept(f, context);
    for (const derived of stateful.observe(f)) accept(derived, context);
  }

  function accept(f: Finding, context: string | BlockContext): void {
    if (builder.add(f, typeof context === "string" ? context : context.text)) {
      // The lines after a new primary finding are read as they arrive, so force the next few.
      const { text, before, after } =
        typeof context === "string" ? { text: context, before: recentLines(), after: [] } : context;
      builder.setPrimaryContext(text, before, after);
      pendingEvidence = Math.max(0, EVIDENCE_AFTER - after.length);
      scanner.forceNext = Math.max(scanner.forceNext, pendingEvidence);
    }
    emit({ type: "finding", finding: f });
    router.observe(f);
  }

  function recentLines(): string[] {
    return scanner.linesBefore(EVIDENCE_BEFORE).map((r) => cleanLine(r).text);
  }

  function onLine(bytes: Buffer, start: number, end: number, lineNumber: number): void {
    matchLine(bytes, start, end, lineNumber);
    budget.endLine();
    if (budget.exhausted) {
      stoppedAt ??= lineNumber;
      scanner.stop();
    }
  }

  /** Everything the rules make of one line; returns early once the CPU budget is spent. */
  function matchLine(bytes: Buffer, start: number, end: number, lineNumber: number): void {
    const raw = bytes.toString("utf8", start, end);
    const line = cleanLine(raw);
    if (line.markers.length > 0) steps.apply(line.markers, lineNumber);
    const step = steps.current();
    const time = line.time ?? options.clock?.();
    const ctx = lineContext(line.text, lineNumber, step, time);
    if (pendingEvidence > 0) {
      pendingEvidence--;
      builder.extendEvidence(line.text);
    }
    // Decoding and cleaning the line are linear in its bytes (capped by maxBytes); the budget
    // is for what the rules cost from here on.
    budget.startLine();
    if (blocks.isOpen) blocks.feed(line.text, () => budget.check());
    if (budget.check()) return;

    const found = candidatesFor(plan, bytes, start, end, line.text);
    const candidates = feed ? feed.gate(found, line.text, lineNumber) : found;
    const outcome = matchRules(env, line, ctx, candidates);
    if (!outcome) return;
    if (blocks.isOpen) scanner.forceNext = Math.max(scanner.forceNext, 1);
    const { first, suppressed, claimed } = outcome;
    if (!suppressed && !first && !claimed && candidates.errorLooking)
      builder.noteErrorLooking({ lineNumber, text: line.text, ...(step ? { step } : {}) });
    if (options.everyLine) {
      emit({ type: "line", lineNumber, text: line.text, ...(first ? { finding: first } : {}) });
      scanner.forceNext = Number.MAX_SAFE_INTEGER;
    }
  }

  return {
    write(chunk) {
      scanner.write(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
    },
    end(result = {}) {
      scanner.end();
      blocks.flush();
      router.end();
      return builder.build({
        bytes: scanner.bytesRead,
        lines: scanner.linesSeen,
        candidateLines: scanner.candidateLines,
        truncated: scanner.truncated,
        ...(stoppedAt === null
          ? {}
          : { stopped: { reason: "cpu-budget" as const, line: stoppedAt, limitMs: budget.limitMs } }),
        steps: steps.summary(),
        ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
      });
    },
  };
}

function lineContext(
  text: string,
  lineNumber: number,
  step: StepRef | undefined,
  time: number | undefined,
): LineContext {
  return { text, lineNumber, ...(step ? { step } : {}), ...(time === undefined ? {} : { time }) };
}
