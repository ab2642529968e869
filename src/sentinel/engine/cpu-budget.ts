/** How long one diagnosis may spend matching lines against rules, unless the caller says otherwise. */
export const DEFAULT_CPU_BUDGET_MS = 10_000;

const CHECK_EVERY_CHARS = 16 * 1024;

/**
 * Time spent matching one log's candidate lines against the rules. RE2 keeps each match linear,
 * but a repository controls both its rules and its log: thousands of long lines that each carry
 * every rule's literal make a valid rule set cost minutes. Past the budget the classifier stops and
 * the diagnosis says so.
 *
 * The clock is read only on candidate lines (those the prefilter let through and a rule may match)
 * and between rule evaluations on them, never in the byte loop; after every 16 KiB evaluated,
 * because a single evaluation on a 64 KiB line is what can be slow.
 */
export class CpuBudget {
  private spent = 0;
  /** When the line being timed started; -1 between lines. */
  private lineStart = -1;
  /** Characters evaluated since the clock was last read by `checkAfter`. */
  private unchecked = 0;
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

  /**
   * `check()` after an evaluation over `chars` characters, reading the clock only once every
   * CHECK_EVERY_CHARS characters evaluated (a clock read costs about as much as a short line's
   * evaluation): a 64 KiB line is checked after every evaluation, short lines every hundred or so.
   */
  checkAfter(chars: number): boolean {
    this.unchecked += chars;
    if (this.unchecked < CHECK_EVERY_CHARS) return this.over;
    this.unchecked = 0;
    return this.check();
  }

  /** Whether this line so far and the lines before it are past the budget (call between evaluations). */
  check(): boolean {
    if (!this.over && this.spent + (this.now() - this.lineStart) > this.limitMs) this.over = true;
    return this.over;
  }

  /** Adds the line's time to the total (nothing when the line never reached the rules). */
  endLine(): void {
    if (this.lineStart < 0) return;
    this.spent += this.now() - this.lineStart;
    this.lineStart = -1;
    if (this.spent > this.limitMs) this.over = true;
  }
}
