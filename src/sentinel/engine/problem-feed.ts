import type { ProblemMatcherSet } from "../problem-matcher/index.js";
import { matchedLookBack, type LineCandidates } from "./line-candidates.js";
import { mustSeeNextLine, type MatchingPlan } from "./matching-plan.js";

/**
 * Decides which looked-at lines the problem matchers are fed. The runner feeds them every line;
 * Sentinel feeds them the lines with one of their literals (replaying the lines before a trigger),
 * so it must also say when a partial match is over.
 */
export class ProblemFeed {
  /** The last line the matchers were fed (0: none). */
  private lastFed = 0;
  /** The last line with a literal of some problem-matcher pattern. */
  private lastTrigger = 0;

  constructor(
    private readonly plan: MatchingPlan,
    private readonly problems: ProblemMatcherSet,
  ) {}

  /** A line the classifier did not look further at held a literal of some problem-matcher pattern. */
  noteLiteral(lineNumber: number): void {
    this.lastTrigger = lineNumber;
  }

  /** Sets the line's `lookBack` as the problem matchers should see it (-1: not fed). */
  gate(candidates: LineCandidates, text: string, lineNumber: number): void {
    const { plan, problems } = this;
    if (candidates.problemLiteral) this.lastTrigger = lineNumber;
    // A partial match survives neither lines the scanner skipped (they held no literal of the
    // pattern it waits for, so they broke it) nor more lines than a matcher has patterns without
    // one of its literals (a stale partial match would force every line): start over, and let
    // the next trigger replay the lines before it. The runner keeps some stale partial matches
    // longer (its state only clears when the pattern before matched); Sentinel does not.
    const stale = this.lastFed !== lineNumber - 1 || lineNumber - this.lastTrigger > plan.problemSpan;
    if (stale && problems.inProgress) problems.reset();
    if (candidates.lookBack >= 0 && !problems.inProgress) candidates.lookBack = matchedLookBack(candidates, text);
    if (candidates.lookBack >= 0 || mustSeeNextLine(plan, problems) || plan.everyLine) this.lastFed = lineNumber;
  }
}
