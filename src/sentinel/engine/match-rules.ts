import type { Finding } from "../model/types.js";
import type { ProblemMatcherSet } from "../problem-matcher/index.js";
import type { CompiledRegexMatcher } from "../rules/rule-set.js";
import type { BlockTracker } from "./block-tracker.js";
import { buildFinding, type LineContext } from "./build-finding.js";
import { annotationFinding } from "./annotation-finding.js";
import { splitLine, type CleanLine } from "./clean-line.js";
import type { CpuBudget } from "./cpu-budget.js";
import type { LineScanner } from "./line-scanner.js";
import type { LineCandidates } from "./line-candidates.js";
import { mustSeeNextLine, type MatchingPlan } from "./matching-plan.js";
import { problemFinding } from "./problem-finding.js";

/** The classifier's state the rules read and feed while one line is matched. */
export interface RuleEnv {
  readonly plan: MatchingPlan;
  readonly problems: ProblemMatcherSet | null;
  readonly budget: CpuBudget;
  readonly blocks: BlockTracker;
  readonly scanner: LineScanner;
  readonly workspaceRoots: readonly string[];
  record(f: Finding, context: string): void;
  recentLines(): string[];
}

/** What the rules made of one line. */
export interface RuleOutcome {
  /** The line's first finding, for live output. */
  readonly first: Finding | undefined;
  /** A suppress rule matched: the line is neither a finding nor error-looking evidence. */
  readonly suppressed: boolean;
  /** A rule took the line, even one whose finding later lines complete. */
  readonly claimed: boolean;
}

/**
 * Runs the regex rules a line's literals point at, then the problem matchers, then falls back on
 * the line's runner annotation; null when the CPU budget ran out part-way (the classifier then
 * stops reading).
 */
export function matchRules(
  env: RuleEnv,
  line: CleanLine,
  ctx: LineContext,
  candidates: LineCandidates,
): RuleOutcome | null {
  const regex = matchRegexRules(env, line.text, ctx, candidates.regex);
  if (!regex) return null;
  let outcome = regex;
  if (env.problems && !regex.suppressed) {
    const problem = matchProblemMatchers(env, env.problems, line.text, ctx, candidates.lookBack, regex.claimed);
    if (!problem) return null;
    // (Named, not spread: this runs on every line the problem matchers are fed.)
    outcome = { first: regex.first ?? problem.finding, suppressed: regex.suppressed, claimed: regex.claimed };
  }
  if (outcome.suppressed || outcome.first || outcome.claimed || !line.annotation) return outcome;
  const first = annotationFinding(line.annotation, ctx, env.workspaceRoots);
  env.record(first, line.text);
  return { first, suppressed: outcome.suppressed, claimed: outcome.claimed };
}

function matchRegexRules(env: RuleEnv, text: string, ctx: LineContext, indexes: readonly number[]): RuleOutcome | null {
  let first: Finding | undefined;
  let suppressed = false;
  // A regex rule without `continue` claims the line; with `continue`, a problem matcher that
  // completes on the same line still reports (it may add the file and line the rule lacks).
  let claimed = false;
  for (const index of indexes) {
    const m = env.plan.regex[index] as CompiledRegexMatcher;
    const match = m.pattern.exec(text);
    if (env.budget.checkAfter(text.length)) return null;
    if (!match) continue;
    if (m.action === "suppress") {
      suppressed = true;
      break;
    }
    if (m.then) {
      // The finding is completed by later lines and emitted when its block closes.
      env.blocks.open(m, match, ctx, env.recentLines());
      claimed ||= !m.continueAfter;
      if (!m.continueAfter) break;
      continue;
    }
    const f = buildFinding(m, match, ctx, env.workspaceRoots);
    first ??= f;
    env.record(f, text);
    if (!m.continueAfter) {
      claimed = true;
      break;
    }
  }
  return { first, suppressed, claimed };
}

function matchProblemMatchers(
  env: RuleEnv,
  problems: ProblemMatcherSet,
  text: string,
  ctx: LineContext,
  lookBack: number,
  claimed: boolean,
): { readonly finding: Finding | undefined } | null {
  if (lookBack > 0 && !problems.inProgress) {
    problems.reset();
    for (const prev of env.scanner.linesBefore(lookBack)) {
      const prevText = splitLine(prev).text;
      // The gated patterns read the literals of the line they are given (matching-plan.ts).
      env.plan.line.readText(prevText);
      problems.match(prevText);
      if (env.budget.checkAfter(prevText.length * env.plan.problemMatchers.length)) return null;
    }
    env.plan.line.readText(text);
  }
  let finding: Finding | undefined;
  if (lookBack >= 0 || mustSeeNextLine(env.plan, problems) || env.plan.everyLine) {
    const pm = problems.match(text);
    if (env.budget.checkAfter(text.length * env.plan.problemMatchers.length)) return null;
    if (pm && !claimed) {
      finding = problemFinding(pm, ctx, env.plan.problemByOwner.get(pm.owner), env.workspaceRoots);
      // A multi-line match is reported on its message line, an earlier one: that line's text.
      const back = ctx.lineNumber - finding.logLine;
      const first = back > 0 ? env.scanner.linesBefore(back)[0] : undefined;
      env.record(finding, first === undefined ? text : splitLine(first).text);
    }
    if (mustSeeNextLine(env.plan, problems)) env.scanner.forceNext = Math.max(env.scanner.forceNext, 1);
  }
  return { finding };
}
