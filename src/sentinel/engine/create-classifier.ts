import type { Diagnosis, Finding, StepRef, StreamSource } from "../model/types.js";
// Not the problem-matcher index, which also loads the matchers' JSON parser (start-up time).
import { ProblemMatcherSet } from "../problem-matcher/problem-matcher-set.js";
import type { RuleSet } from "../rules/rule-set.js";
import { BlockTracker, type BlockContext } from "./block-tracker.js";
import { buildFinding, type LineContext } from "./build-finding.js";
import { splitLine, timeOf, type SplitLine } from "./clean-line.js";
import { CpuBudget, DEFAULT_CPU_BUDGET_MS } from "./cpu-budget.js";
import { DiagnosisBuilder } from "./diagnosis-builder.js";
import { LineScanner } from "./line-scanner.js";
import { matchRules, type RuleEnv } from "./match-rules.js";
import { candidatesFor, dropByStart, newCandidates, type LineCandidates } from "./line-candidates.js";
import { planMatching, type MatchingPlan } from "./matching-plan.js";
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
  /**
   * A worker thread walks the log's bytes one chunk ahead of the rules (line-scanner.ts) from
   * `afterBytes` read on (default 4 MiB; Infinity keeps it all on the caller's thread). `await`
   * waits for it to start instead of walking the chunks meanwhile (tests and benchmarks).
   */
  readonly scanWorker?: { readonly afterBytes?: number; readonly await?: boolean };
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
  const run = new ClassifierRun(rules, options);
  return {
    write: (chunk) => run.write(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk),
    end: (result = {}) => run.end(result),
  };
}

/** One classification: the rules' plan and everything read so far. */
class ClassifierRun {
  private readonly plan: MatchingPlan;
  private readonly workspaceRoots: readonly string[];
  private readonly emit: (event: ClassifierEvent) => void;
  private readonly steps = new StepTracker();
  private readonly builder = new DiagnosisBuilder();
  private readonly stateful: StatefulTracker;
  private readonly router: Router;
  private readonly problems: ProblemMatcherSet | null;
  private readonly feed: ProblemFeed | null;
  private readonly budget: CpuBudget;
  private readonly scanner: LineScanner;
  private readonly blocks: BlockTracker;
  private readonly env: RuleEnv;
  private readonly everyLine: boolean;
  private readonly candidates = newCandidates();
  private pendingEvidence = 0;
  /** A problem matcher holds a partial match (it changes only on lines the rules run on). */
  private problemsInProgress = false;
  /** The line matching stopped on when the CPU budget ran out. */
  private stoppedAt: number | null = null;

  constructor(
    rules: RuleSet,
    private readonly options: ClassifierOptions,
  ) {
    const sentinels = selectSentinels(rules.sentinels, options);
    const plan = (this.plan = planMatching(sentinels));
    this.workspaceRoots = options.workspaceRoots ?? [];
    this.emit = options.onEvent ?? (() => {});
    this.stateful = new StatefulTracker(sentinels.flatMap((s) => s.statefulMatchers));
    this.router = new Router(sentinels, (routed) => this.emit({ type: "routed", routed }));
    this.problems = plan.problemMatchers.length > 0 ? new ProblemMatcherSet(plan.problemMatchers) : null;
    this.feed = this.problems ? new ProblemFeed(plan, this.problems) : null;
    this.budget = new CpuBudget(options.cpuBudgetMs ?? DEFAULT_CPU_BUDGET_MS);
    this.scanner = new LineScanner(
      plan.prefilter,
      {
        maxBytes: options.maxBytes ?? 1024 ** 3,
        maxLineBytes: options.maxLineBytes ?? 64 * 1024,
        ...(options.scanWorker?.afterBytes === undefined ? {} : { workerAfterBytes: options.scanWorker.afterBytes }),
        awaitWorker: options.scanWorker?.await === true,
      },
      (bytes, start, end, lineNumber) => this.onLine(bytes, start, end, lineNumber),
    );
    this.everyLine = options.everyLine === true || plan.everyLine;
    if (this.everyLine) this.scanner.forceNext = Number.MAX_SAFE_INTEGER;
    this.blocks = new BlockTracker(
      (m, match, start, context) =>
        this.record(buildFinding(m, match, start, this.workspaceRoots, context.lastLine), context),
      EVIDENCE_AFTER,
    );
    this.env = {
      plan,
      problems: this.problems,
      budget: this.budget,
      blocks: this.blocks,
      scanner: this.scanner,
      workspaceRoots: this.workspaceRoots,
      record: (f, context) => this.record(f, context),
      recentLines: () => this.recentLines(),
    };
  }

  write(chunk: Buffer): void {
    this.scanner.write(chunk);
  }

  end(result: { exitCode?: number }): Diagnosis {
    const { scanner, budget, stoppedAt } = this;
    scanner.end();
    this.blocks.flush();
    this.router.end();
    return this.builder.build({
      bytes: scanner.bytesRead,
      lines: scanner.linesSeen,
      candidateLines: scanner.candidateLines,
      truncated: scanner.truncated,
      ...(stoppedAt === null
        ? {}
        : { stopped: { reason: "cpu-budget" as const, line: stoppedAt, limitMs: budget.limitMs } }),
      steps: this.steps.summary(),
      ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
    });
  }

  /**
   * `context` is the line that produced the finding (the current one) or, for a finding completed
   * over several lines, its first line with the lines around it; a stateful finding derived from
   * it names the same line.
   */
  private record(f: Finding, context: string | BlockContext): void {
    this.steps.count(f.step, f.severity === "error" ? "error" : "warning");
    this.accept(f, context);
    for (const derived of this.stateful.observe(f)) this.accept(derived, context);
  }

  private accept(f: Finding, context: string | BlockContext): void {
    if (this.builder.add(f, typeof context === "string" ? context : context.text)) {
      // The lines after a new primary finding are read as they arrive, so force the next few.
      const { text, before, after } =
        typeof context === "string" ? { text: context, before: this.recentLines(), after: [] } : context;
      this.builder.setPrimaryContext(text, before, after);
      this.pendingEvidence = Math.max(0, EVIDENCE_AFTER - after.length);
      this.scanner.forceNext = Math.max(this.scanner.forceNext, this.pendingEvidence);
    }
    this.emit({ type: "finding", finding: f });
    this.router.observe(f);
  }

  private recentLines(): string[] {
    return this.scanner.linesBefore(EVIDENCE_BEFORE).map((r) => splitLine(r).text);
  }

  private onLine(bytes: Buffer, start: number, end: number, lineNumber: number): void {
    this.matchLine(bytes, start, end, lineNumber);
    const { budget } = this;
    budget.endLine();
    if (budget.exhausted) {
      this.stoppedAt ??= lineNumber;
      this.scanner.stop();
    }
  }

  /**
   * Everything the rules make of one line the scanner handed over. Most such lines hold a literal
   * no rule can use there (its other required literals or its start are missing): those are not
   * even decoded. Lines that must be read whatever their literals: evidence after a finding, an
   * open block, a partial problem-matcher match, everything.
   */
  private matchLine(bytes: Buffer, start: number, end: number, lineNumber: number): void {
    const c = candidatesFor(this.plan, bytes, start, end, this.candidates, this.scanner);
    const must = this.everyLine || this.pendingEvidence > 0 || this.blocks.isOpen || this.problemsInProgress;
    if (!must && !rulesLeft(c) && !c.errorLooking && !c.envelope) {
      if (c.problemLiteral) this.feed?.noteLiteral(lineNumber);
      return;
    }
    const line = splitLine(bytes.toString("utf8", start, end));
    if (line.markers.length > 0) this.steps.apply(line.markers, lineNumber);
    dropByStart(this.plan, c, line.text);
    const step = this.steps.current();
    // An envelope marker or an error-looking word, and no rule left to try.
    if (!must && !rulesLeft(c) && !line.annotation) {
      if (c.problemLiteral) this.feed?.noteLiteral(lineNumber);
      if (c.errorLooking) this.builder.noteErrorLooking(lineNumber, line.text, step);
      return;
    }
    this.runRules(line, c, lineNumber, step);
    this.problemsInProgress = this.problems?.inProgress === true;
  }

  /** The rules on a decoded line; returns early once the CPU budget is spent. */
  private runRules(line: SplitLine, c: LineCandidates, lineNumber: number, step: StepRef | undefined): void {
    const { plan, builder, blocks, budget, scanner, options } = this;
    plan.line.text = line.text;
    const ctx = lineContext(line, lineNumber, step, options.clock);
    if (this.pendingEvidence > 0) {
      this.pendingEvidence--;
      builder.extendEvidence(line.text);
    }
    // Decoding and cleaning the line are linear in its bytes (capped by maxBytes); the budget
    // is for what the rules cost from here on.
    budget.startLine();
    if (blocks.isOpen) blocks.feed(line.text, () => budget.checkAfter(line.text.length));
    if (budget.checkAfter(0)) return;

    this.feed?.gate(c, line.text, lineNumber);
    const outcome = matchRules(this.env, line, ctx, c);
    if (!outcome) return;
    if (blocks.isOpen) scanner.forceNext = Math.max(scanner.forceNext, 1);
    const { first, suppressed, claimed } = outcome;
    if (!suppressed && !first && !claimed && c.errorLooking) builder.noteErrorLooking(lineNumber, line.text, step);
    if (options.everyLine) {
      this.emit({ type: "line", lineNumber, text: line.text, ...(first ? { finding: first } : {}) });
      scanner.forceNext = Number.MAX_SAFE_INTEGER;
    }
  }
}

function rulesLeft(c: LineCandidates): boolean {
  return c.regex.length > 0 || c.problemPatterns.length > 0;
}

/**
 * The line as findings describe it. Its time (the log's timestamp, else the live clock) is read
 * only when a finding asks for it: most lines the rules look at make none.
 */
class LazyLineContext implements LineContext {
  private timeRead = false;
  private timeValue: number | undefined;

  constructor(
    readonly text: string,
    readonly lineNumber: number,
    readonly step: StepRef | undefined,
    private readonly stamp: string | undefined,
    private readonly clock: (() => number) | undefined,
  ) {
    // The live clock is read now: a block's finding is built lines later.
    if (stamp === undefined) {
      this.timeRead = true;
      this.timeValue = clock?.();
    }
  }

  get time(): number | undefined {
    if (!this.timeRead) {
      this.timeRead = true;
      this.timeValue = timeOf(this.stamp!) ?? this.clock?.();
    }
    return this.timeValue;
  }
}

function lineContext(
  line: SplitLine,
  lineNumber: number,
  step: StepRef | undefined,
  clock: (() => number) | undefined,
): LineContext {
  return new LazyLineContext(line.text, lineNumber, step, line.stamp, clock);
}
