/**
 * The bookkeeping behind linear-js.ts's promise that V8 backtracks in linear time: which
 * unbounded repeats are guarded (can end in few places, each after constant work) and which one
 * is free (each of its counts tried once, the rest of the pattern after it run again each time).
 *
 * A repeat of the set X is guarded by what follows it, within at most MAX_DISTANCE characters of
 * bounded items: an item that must be there and whose every match starts outside X, or the
 * pattern's `$`. Optional items whose every match starts outside X are looked past. Where the
 * repeat stops short of the end of its run of X, the items after it meet a character of X at the
 * guard (or earlier), so at most distance + 1 of its ends get past the guard, and each other end
 * costs constant work. `[^:]*\.(?:c|h):` is guarded at distance 2, `\d+(?:-\d+)?:` and
 * `\s*(?P<file>[^\s:]…)` at distance 0.
 *
 * A guarded repeat may follow the free one when it is fenced: the character right before it is
 * required and outside its set (`", line (\d+)`, `:(\d+)$`). Each count of the free repeat may
 * enter it again, but entries at different places walk disjoint runs of its set (a run entered
 * earlier stops at the later entry's fence), so all of them together walk the line about once.
 * A group repeated `{1,10}` whose first item is such a repeat has that fence on its first pass
 * only (later passes follow the group's own end); such a group is rigid (no alternation, no part
 * of varying count, guards at distance 0 only: linear-js.ts `quantified`), so at most its length
 * of entries share a run, a constant factor. A fuzzing review (245k accepted patterns, 395k hostile
 * inputs at 2k-32k characters) found no super-linear case.
 */
import { disjoint, type Chars } from "./char-set.js";

/** How far (in characters of bounded items) a repeat's guard may follow it. */
const MAX_DISTANCE = 16;
/**
 * Ways through the pattern times the ends each guarded repeat lets past its guard (distance + 1):
 * how often the rest of the pattern may run again from one start, as RE2's program size bounds
 * its work per character.
 */
const MAX_REACH = 256;

/** An unbounded repeat whose guard is not found yet. */
export interface Pending {
  readonly set: Chars;
  /** Characters of bounded items read since the repeat. */
  readonly distance: number;
  /** Its place among the pattern's unbounded repeats, in source order. */
  readonly order: number;
  /** The character right before it is required and outside its set (see above). */
  readonly fenced: boolean;
}

export class RepeatGuards {
  /** Unbounded repeats read so far. */
  count = 0;
  /** Free repeats. */
  free = 0;
  /** The first free repeat's place in source order (Infinity: none). */
  private firstFree = Infinity;
  /** The last unfenced guarded repeat's place in source order (-1: none). */
  private lastGuarded = -1;
  /** The product of (distance + 1) over guarded repeats. */
  private reach = 1;
  /** Repeats guarded at a distance: several of their ends may get past the guard. */
  private far = 0;

  /**
   * Free repeats and repeats guarded at a distance read so far: a group holding one is tried more
   * than one way, so it may not be repeated (each repetition would multiply the ways).
   */
  get varying(): number {
    return this.free + this.far;
  }

  /** A new unbounded repeat of `set`: pending its guard, or free at once after a free one unless fenced. */
  repeat(set: Chars, fenced: boolean): Pending | null {
    const p = { set, distance: 0, order: this.count++, fenced };
    if (this.free === 0 || fenced) return p;
    this.makeFree(p);
    return null;
  }

  /**
   * What an item says of the repeats before it: one whose set its every match starts outside is
   * guarded when the item must be there, else looks past it; a bounded item adds its length to
   * the distance; anything else leaves the repeat free.
   */
  settle(pending: readonly Pending[], nullable: boolean, first: Chars | null, length: number): Pending[] {
    const out: Pending[] = [];
    for (const p of pending) {
      if (first && disjoint(p.set, first)) {
        if (nullable) out.push(p);
        else this.guarded(p);
      } else if (p.distance + length <= MAX_DISTANCE) out.push({ ...p, distance: p.distance + length });
      else this.makeFree(p);
    }
    return out;
  }

  guarded(p: Pending): void {
    this.reach *= p.distance + 1;
    if (p.distance > 0) this.far++;
    if (!p.fenced) this.lastGuarded = Math.max(this.lastGuarded, p.order);
  }

  makeFree(p: Pending): void {
    this.free++;
    this.firstFree = Math.min(this.firstFree, p.order);
  }

  /**
   * Whether backtracking stays linear: one free repeat at most, no unfenced guarded one after it
   * (each count of the free one would walk its run again), and a bounded number of ways through.
   */
  linear(ways: number): boolean {
    return this.free <= 1 && this.lastGuarded < this.firstFree && ways * this.reach <= MAX_REACH;
  }
}

/**
 * How many branches of an alternation can match at one place, given each branch's text when it is
 * plain characters (else null). Plain branches that match there are all prefixes of the same
 * text, so they form a chain of prefixes (`c|cc|cpp|h|hpp`: 2); any other branch counts in full.
 */
export function waysThrough(literals: ReadonlyArray<string | null>): number {
  if (literals.some((l) => l === null)) return literals.length;
  const words = (literals as readonly string[]).slice().sort((a, b) => a.length - b.length);
  const chain = words.map(() => 1);
  for (let i = 0; i < words.length; i++)
    for (let j = 0; j < i; j++) if (words[i]!.startsWith(words[j]!)) chain[i] = Math.max(chain[i]!, chain[j]! + 1);
  return Math.max(...chain);
}
