import type { Diagnosis, Finding, StreamSource } from "../model/types.js";
import { UNKNOWN_CONFIDENCE } from "../rules/problem-matcher-meta.js";
import type { CompiledProblemMatcher, CompiledRegexMatcher, CompiledSentinel, RuleSet } from "../rules/rule-set.js";
import { ProblemMatcherSet, type ProblemMatch } from "../problem-matcher/index.js";
import { BlockTracker, type BlockContext } from "./block-tracker.js";
import { CpuBudget, DEFAULT_CPU_BUDGET_MS } from "./cpu-budget.js";
import { buildFinding, severityOf, type LineContext } from "./build-finding.js";
import { cleanLine, ENVELOPE_LITERALS, type Annotation } from "./clean-line.js";
import { DiagnosisBuilder } from "./diagnosis-builder.js";
import { LineScanner } from "./line-scanner.js";
import { normalizeFilePath } from "./normalize.js";
import { buildPrefilter, literalsIn, type Prefilter } from "./prefilter.js";
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

/** Words that make a line worth showing when no rule explains a failure. */
const ERROR_LOOKING = ["error", "fail", "fatal", "exception", "panic", "traceback", "denied", "killed", "timed out", "abort"];
const EVIDENCE_BEFORE = 3;
const EVIDENCE_AFTER = 6;
const ANNOTATION_CONFIDENCE = 0.3;

type LiteralTarget =
  | { readonly kind: "regex"; readonly index: number }
  | { readonly kind: "problem"; readonly lookBack: number }
  | { readonly kind: "error-looking" }
  | { readonly kind: "envelope" };

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

  const blocks = new BlockTracker((m, match, start, context) => record(buildFinding(m, match, start, workspaceRoots), context), EVIDENCE_AFTER);

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
    if (builder.add(f)) {
      // The lines after a new primary finding are read as they arrive, so force the next few.
      const { text, before, after } = typeof context === "string" ? { text: context, before: recentLines(), after: [] } : context;
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
    const ctx: LineContext = { text: line.text, lineNumber, ...(step ? { step } : {}), ...(time === undefined ? {} : { time }) };
    if (pendingEvidence > 0) {
      pendingEvidence--;
      builder.extendEvidence(line.text);
    }
    // Decoding and cleaning the line are linear in its bytes (capped by maxBytes); the budget
    // is for what the rules cost from here on.
    budget.startLine();
    if (blocks.isOpen) blocks.feed(line.text, () => budget.check());
    if (budget.check()) return;

    const toTry = new Set<number>(plan.alwaysRegex);
    let errorLooking = false;
    let lookBack = -1;
    for (const id of literalsIn(plan.prefilter, bytes, start, end)) {
      for (const t of plan.targets[id] ?? []) {
        if (t.kind === "regex") toTry.add(t.index);
        else if (t.kind === "error-looking") errorLooking = true;
        else if (t.kind === "problem") lookBack = Math.max(lookBack, t.lookBack);
      }
    }

    let first: Finding | undefined;
    let suppressed = false;
    // A regex rule without `continue` claims the line; with `continue`, a problem matcher that
    // completes on the same line still reports (it may add the file and line the rule lacks).
    let claimed = false;
    for (const index of [...toTry].sort((a, b) => a - b)) {
      const m = plan.regex[index] as CompiledRegexMatcher;
      const match = m.pattern.exec(line.text);
      if (budget.check()) return;
      if (!match) continue;
      if (m.action === "suppress") {
        suppressed = true;
        break;
      }
      if (m.then) {
        // The finding is completed by later lines and emitted when its block closes.
        blocks.open(m, match, ctx, recentLines());
        claimed ||= !m.continueAfter;
        if (!m.continueAfter) break;
        continue;
      }
      const f = buildFinding(m, match, ctx, workspaceRoots);
      first ??= f;
      record(f, line.text);
      if (!m.continueAfter) {
        claimed = true;
        break;
      }
    }

    if (problems && !suppressed) {
      if (lookBack > 0 && !problems.inProgress) {
        problems.reset();
        for (const prev of scanner.linesBefore(lookBack)) {
          problems.match(cleanLine(prev).text);
          if (budget.check()) return;
        }
      }
      if (lookBack >= 0 || problems.inProgress || plan.everyLine) {
        const pm = problems.match(line.text);
        if (budget.check()) return;
        if (pm && !claimed) {
          const f = problemFinding(pm, ctx, plan.problemByOwner.get(pm.owner), workspaceRoots);
          first ??= f;
          record(f, line.text);
        }
        if (problems.inProgress) scanner.forceNext = Math.max(scanner.forceNext, 1);
      }
    }

    if (blocks.isOpen) scanner.forceNext = Math.max(scanner.forceNext, 1);
    if (!suppressed && !first && !claimed && line.annotation) {
      first = annotationFinding(line.annotation, ctx, workspaceRoots);
      record(first, line.text);
    }
    if (!suppressed && !first && !claimed && errorLooking) builder.noteErrorLooking({ lineNumber, text: line.text, ...(step ? { step } : {}) });
    if (options.everyLine) emit(first ? { type: "line", lineNumber, text: line.text, finding: first } : { type: "line", lineNumber, text: line.text });
    if (options.everyLine) scanner.forceNext = Number.MAX_SAFE_INTEGER;
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
        ...(stoppedAt === null ? {} : { stopped: { reason: "cpu-budget" as const, line: stoppedAt, limitMs: budget.limitMs } }),
        steps: steps.summary(),
        ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
      });
    },
  };
}

interface MatchingPlan {
  readonly prefilter: Prefilter;
  readonly targets: ReadonlyArray<readonly LiteralTarget[]>;
  readonly regex: readonly CompiledRegexMatcher[];
  readonly alwaysRegex: readonly number[];
  readonly problemMatchers: ReadonlyArray<CompiledSentinel["problemMatchers"][number]["definition"]>;
  readonly problemByOwner: ReadonlyMap<string, CompiledProblemMatcher>;
  /** Some rule has no literal at all: every line must be looked at. */
  readonly everyLine: boolean;
}

/**
 * Orders matchers (priority, then load order) and builds one prefilter over every literal any
 * rule needs, plus the CI envelope markers and the error-looking words.
 */
function planMatching(sentinels: readonly CompiledSentinel[]): MatchingPlan {
  const regex = sentinels
    .flatMap((s) => s.regexMatchers)
    .map((m, loadOrder) => ({ m, loadOrder }))
    .sort((a, b) => b.m.priority - a.m.priority || a.loadOrder - b.loadOrder)
    .map(({ m }) => m);
  const literals: string[] = [];
  const targets: LiteralTarget[][] = [];
  const literalIndex = new Map<string, number>();
  const add = (lit: string, target: LiteralTarget) => {
    let id = literalIndex.get(lit);
    if (id === undefined) {
      id = literals.length;
      literals.push(lit);
      targets.push([]);
      literalIndex.set(lit, id);
    }
    targets[id]!.push(target);
  };
  const alwaysRegex: number[] = [];
  regex.forEach((m, index) => {
    if (m.literals) for (const lit of m.literals) add(lit, { kind: "regex", index });
    else alwaysRegex.push(index);
  });
  let everyLine = alwaysRegex.length > 0;
  const problemMatchers: MatchingPlan["problemMatchers"][number][] = [];
  const problemByOwner = new Map<string, CompiledProblemMatcher>();
  for (const s of sentinels) {
    for (const pm of s.problemMatchers) {
      problemMatchers.push(pm.definition);
      problemByOwner.set(pm.definition.owner, pm);
      // Trigger on the pattern with the best literals; replay the lines before it on a hit.
      const best = bestTrigger(pm.literals);
      if (best < 0) everyLine = true;
      else for (const lit of pm.literals[best] as string[]) add(lit, { kind: "problem", lookBack: best });
    }
  }
  for (const lit of ENVELOPE_LITERALS) add(lit.toLowerCase(), { kind: "envelope" });
  for (const lit of ERROR_LOOKING) add(lit, { kind: "error-looking" });
  return { prefilter: buildPrefilter(literals), targets, regex, alwaysRegex, problemMatchers, problemByOwner, everyLine };
}

function bestTrigger(perPattern: ReadonlyArray<readonly string[] | null>): number {
  let best = -1;
  let bestScore = -1;
  perPattern.forEach((lits, i) => {
    if (!lits) return;
    const score = Math.min(...lits.map((l) => l.length));
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return best;
}

function problemFinding(pm: ProblemMatch, ctx: LineContext, matcher: CompiledProblemMatcher | undefined, roots: readonly string[]): Finding {
  const classification = pm.severity === "warning" ? "Warning" : pm.severity === "notice" ? "Info" : "Error";
  return {
    ruleId: `problem-matcher.${pm.owner}`,
    sentinelId: matcher?.sentinelId ?? `problem-matcher.${pm.owner}`,
    tool: matcher?.meta.tool ?? pm.owner,
    classification,
    category: matcher?.meta.category ?? null,
    severity: severityOf(classification),
    confidence: matcher?.meta.confidence ?? UNKNOWN_CONFIDENCE,
    message: pm.message,
    ...(pm.file ? { file: normalizeFilePath(pm.file, roots) } : {}),
    ...(pm.line === undefined ? {} : { line: pm.line }),
    ...(pm.column === undefined ? {} : { column: pm.column }),
    ...(pm.code ? { code: pm.code } : {}),
    logLine: ctx.lineNumber,
    ...(ctx.step ? { step: ctx.step } : {}),
    ...(ctx.time === undefined ? {} : { time: ctx.time }),
  };
}

function annotationFinding(a: Annotation, ctx: LineContext, roots: readonly string[]): Finding {
  const classification = a.level === "error" ? "Error" : a.level === "warning" ? "Warning" : "Info";
  return {
    ruleId: "runner/annotation",
    sentinelId: "runner",
    tool: null,
    classification,
    category: null,
    severity: severityOf(classification),
    confidence: ANNOTATION_CONFIDENCE,
    message: ctx.text.trim(),
    ...(a.file ? { file: normalizeFilePath(a.file, roots) } : {}),
    ...(a.line === undefined ? {} : { line: a.line }),
    ...(a.column === undefined ? {} : { column: a.column }),
    logLine: ctx.lineNumber,
    ...(ctx.step ? { step: ctx.step } : {}),
    ...(ctx.time === undefined ? {} : { time: ctx.time }),
  };
}
