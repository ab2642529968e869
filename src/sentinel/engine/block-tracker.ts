import type { PatternMatch } from "../regex/compile-pattern.js";
import type { CompiledRegexMatcher } from "../rules/rule-set.js";
import type { LineContext } from "./build-finding.js";

/** The lines around a finding's first line, for the diagnosis's evidence excerpt. */
export interface BlockContext {
  readonly text: string;
  /** The log line of the last step that matched (the block's first line when none did). */
  readonly lastLine: number;
  readonly before: readonly string[];
  readonly after: readonly string[];
}

export type BlockEmit = (
  matcher: CompiledRegexMatcher,
  match: PatternMatch,
  start: LineContext,
  context: BlockContext,
) => void;

interface OpenBlock {
  readonly matcher: CompiledRegexMatcher;
  readonly named: Record<string, string | undefined>;
  readonly start: LineContext;
  readonly before: readonly string[];
  readonly after: string[];
  step: number;
  /** Lines read since the block opened or its last step matched. */
  since: number;
  /** Lines read since the block opened. */
  read: number;
  /** `read` when a step last matched. */
  lastMatch: number;
}

/**
 * Completes findings whose facts are spread over several lines a variable distance apart: a
 * regex matcher with `then` steps opens a block on its line, later lines fill the fields its
 * steps capture, and the finding is emitted when the block closes. At most one block per matcher
 * is open, so memory stays bounded whatever the log.
 */
export class BlockTracker {
  private readonly blocks = new Map<CompiledRegexMatcher, OpenBlock>();

  constructor(
    private readonly emit: BlockEmit,
    private readonly evidenceAfter: number,
  ) {}

  get isOpen(): boolean {
    return this.blocks.size > 0;
  }

  /** Opens a block for a `then` matcher that matched `start`; an open block of the same matcher closes first. */
  open(matcher: CompiledRegexMatcher, match: PatternMatch, start: LineContext, before: readonly string[]): void {
    this.close(matcher);
    this.blocks.set(matcher, {
      matcher,
      named: { ...match.named },
      start,
      before,
      after: [],
      step: 0,
      since: 0,
      read: 0,
      lastMatch: 0,
    });
  }

  /**
   * Feeds a line that follows the blocks' first lines (call before matching the line itself).
   * `stop` is asked before each block's patterns run; once it says yes, the line is left there.
   */
  feed(text: string, stop: () => boolean = () => false): void {
    for (const block of [...this.blocks.values()]) {
      if (stop()) return;
      const steps = block.matcher.then ?? [];
      if (block.matcher.end?.exec(text)) {
        this.close(block.matcher);
        continue;
      }
      if (block.after.length < this.evidenceAfter) block.after.push(text);
      block.since++;
      block.read++;
      const step = steps[block.step];
      if (!step) continue;
      const m = step.pattern.exec(text);
      if (m) {
        // Later lines are more specific (the frame after the title), so their values win.
        for (const [name, value] of Object.entries(m.named)) if (value) block.named[name] = value;
        block.step++;
        block.since = 0;
        block.lastMatch = block.read;
        if (block.step >= steps.length) this.close(block.matcher);
      } else if (block.since >= step.within) {
        // A required step's window ran out: this is not the block the rule describes. An optional
        // step is skipped and the next one is looked for from here.
        if (step.required) this.close(block.matcher);
        else {
          block.step++;
          block.since = 0;
          if (block.step >= steps.length) this.close(block.matcher);
        }
      }
    }
  }

  /** Closes every open block (at the end of the log). */
  flush(): void {
    for (const matcher of [...this.blocks.keys()]) this.close(matcher);
  }

  private close(matcher: CompiledRegexMatcher): void {
    const block = this.blocks.get(matcher);
    if (!block) return;
    this.blocks.delete(matcher);
    const steps = matcher.then ?? [];
    // A required step that never matched means this was not the block the rule describes.
    if (steps.slice(block.step).some((s) => s.required)) return;
    this.emit(matcher, { groups: [], named: block.named }, block.start, {
      text: block.start.text,
      lastLine: block.start.lineNumber + block.lastMatch,
      before: block.before,
      after: block.after,
    });
  }
}
