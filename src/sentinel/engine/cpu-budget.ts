/** How long one diagnosis may spend matching lines against rules, unless the caller says otherwise. */
export const DEFAULT_CPU_BUDGET_MS = 10_000;

/**
 * Time spent matching one log's candidate lines against the rules. RE2 keeps each match linear,
 * but a repository controls both its rules and its log: thousands of long lines that each carry
 * every rule's literal make a valid rule set cost minutes. Past the budget the classifier stops and
 * the diagnosis says so.
 *
 * The clock is read only on candidate lines (those the prefilter let through, well under 1% of a
 * typical log) and between rule evaluations on them, never in the byte loop; once per evaluation
 * because a single evaluation on a 64 KiB line is what can be slow.
 */
export class CpuBudget {
  private spent = 0;
  private lineStart = 0;
  private over = false;

  constructor(
    readonly limitMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get exhausted(): boolean {
    return this.over;
  }

  /** Starts timing a candidate line. */
  startLine(): void {
    this.lineStart = this.now();
  }

  /** Whether this line so far and the lines before it are past the budget (call between evaluations). */
  check(): boolean {
    if (!this.over && this.spent + (this.now() - this.lineStart) > this.limitMs) this.over = true;
    return this.over;
  }

  /** Adds the line's time to the total. */
  endLine(): void {
    this.spent += this.now() - this.lineStart;
    if (this.spent > this.limitMs) this.over = true;
  }
}
