/**
 * re2js's bit-state backtracker (its `Backtracker`), run over flat tables instead of its objects.
 *
 * re2js answers a search for groups on a short line with this algorithm: a backtracking walk of the
 * compiled program that marks each (instruction, position) pair it visits and never visits one
 * twice, so its work is bounded by the program's size times the line's length. Its walk is
 * correct but slow per step (a method call to read each instruction, another to read each
 * character, a search of the instruction's ranges for each character): on the builtins, the
 * patterns V8 may not run cost ~12% of a classify run, nearly all of it here.
 *
 * This is the same algorithm, step for step, in the same order, with the same visited set, so it
 * finds the same match and the same groups; only the bookkeeping is cheaper: instructions in typed
 * arrays, and each character instruction's answer for ASCII precomputed from its own `matchRune`
 * (others still ask it). Where re2js would not use its backtracker (a one-pass program, a line too
 * long for the visited set, lookbehind) or the program holds an instruction this does not know, it
 * is not used and re2js answers (test/sentinel/regex/bit-state.test.ts compares the two on every
 * builtin pattern and every real log line).
 */
import {
  ALT,
  ALT_MATCH,
  CAPTURE,
  EMPTY_ALL,
  EMPTY_BEGIN_LINE,
  EMPTY_BEGIN_TEXT,
  EMPTY_END_LINE,
  EMPTY_END_TEXT,
  EMPTY_NO_WORD_BOUNDARY,
  EMPTY_WORD_BOUNDARY,
  EMPTY_WIDTH,
  FAIL,
  MATCH,
  MAX_BACKTRACK_PROG,
  MAX_BACKTRACK_VECTOR,
  NOP,
  programTables,
  RUNE,
  takes,
  type Prog,
  type Tables,
} from "./bit-state-program.js";

/** The text of the whole match (index 0) and of each numbered group, null where a group took no part. */
export type Submatches = ReadonlyArray<string | null>;

export interface Re2Program {
  readonly prog?: Prog;
  readonly onepass?: unknown;
  readonly prefixComplete?: boolean;
  readonly longest?: boolean | number;
  readonly cond?: number;
  readonly prefix?: string | null;
  readonly numSubexp?: number;
  /** Literals any match holds (re2js's `Prefilter`), checked before an unanchored search. */
  readonly prefilter?: { eval(input: PrefilterInput, pos: number): boolean } | null;
  findSubmatch?: (input: string) => Array<string | null> | null;
}

/**
 * A search with re2js's backtracker over `re2`'s program, with `fallback` (re2js's own search) for
 * lines too long for it; null where re2js would not use its backtracker for a search with groups,
 * or the program is not as this expects.
 */
export function bitStateSearch(
  re2: Re2Program,
  fallback: (input: string) => Submatches | null,
): ((input: string) => Submatches | null) | null {
  const { prog } = re2;
  if (!prog || typeof prog.numInst !== "function" || typeof prog.getInst !== "function") return null;
  if (re2.onepass !== null || re2.prefixComplete !== false || re2.longest) return null;
  if ((prog.numLb ?? 0) !== 0 || typeof re2.cond !== "number" || typeof re2.numSubexp !== "number") return null;
  const size = prog.numInst();
  if (size > MAX_BACKTRACK_PROG || !Number.isInteger(prog.start) || !Number.isInteger(prog.numCap)) return null;
  const tables = programTables(prog, size);
  if (!tables) return null;
  const state = new BitState(tables, {
    start: prog.start,
    numCap: prog.numCap,
    cond: re2.cond,
    prefix: re2.prefix ?? "",
    numSubexp: re2.numSubexp,
  });
  const maxLength = Math.floor(MAX_BACKTRACK_VECTOR / size);
  const prefilter = re2.prefilter ?? null;
  if (prefilter !== null && typeof prefilter.eval !== "function") return null;
  return (input) => {
    // Longer lines: re2js runs its NFA, which this does not copy.
    if (input.length > maxLength) return fallback(input);
    if (prefilter !== null && !prefilter.eval(new PrefilterInput(input), 0)) return null;
    return state.search(input);
  };
}

/** What re2js's prefilter asks of its UTF-16 input (its `MachineUTF16Input`), for a whole string. */
class PrefilterInput {
  readonly start = 0;
  readonly end: number;

  constructor(readonly charSequence: string) {
    this.end = charSequence.length;
  }

  hasString(prefilter: { readonly str: string }, pos: number): boolean {
    const idx = this.charSequence.indexOf(prefilter.str, pos);
    return idx !== -1 && idx <= this.end - prefilter.str.length;
  }

  hasAnyString(
    prefilter: { automaton16(): { searchUTF16(s: string, from: number, to: number): boolean } },
    pos: number,
  ): boolean {
    return prefilter.automaton16().searchUTF16(this.charSequence, pos, this.end);
  }
}

function isWord(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

const INITIAL_JOBS = 256;

/**
 * The visited set and the job stack, shared by every pattern's search as re2js pools its own: a
 * search runs to its end without calling out, so no two use them at once, and what they grow to is
 * bounded by one search (at most MAX_BACKTRACK_VECTOR bits), not by how many patterns a rule set has.
 */
const scratch = {
  visited: new Uint32Array(0),
  jobPc: new Int32Array(INITIAL_JOBS),
  jobPos: new Int32Array(INITIAL_JOBS),
  jobArg: new Uint8Array(INITIAL_JOBS),
};

class BitState {
  private end = 0;
  private readonly cap: Int32Array;
  private readonly matchcap: Int32Array;
  private jobs = 0;
  private input = "";

  constructor(
    private readonly t: Tables,
    private readonly p: {
      readonly start: number;
      readonly numCap: number;
      readonly cond: number;
      readonly prefix: string;
      readonly numSubexp: number;
    },
  ) {
    this.cap = new Int32Array(p.numCap);
    this.matchcap = new Int32Array(p.numCap);
  }

  /** As re2js's `findSubmatch`: the match and each group's text, null where a group took no part. */
  readonly search = (input: string): Submatches | null => {
    if (!this.execute(input)) return null;
    const a = this.matchcap;
    const groups = new Array<string | null>(1 + this.p.numSubexp).fill(null);
    for (let i = 0; i < groups.length; i++)
      if (2 * i < a.length && a[2 * i]! >= 0) groups[i] = input.substring(a[2 * i]!, a[2 * i + 1]!);
    return groups;
  };

  /** re2js's `Backtracker.execute`, unanchored, from position 0. */
  private execute(input: string): boolean {
    const { p } = this;
    if (p.cond === EMPTY_ALL) return false;
    this.reset(input);
    const end = input.length;
    if ((p.cond & EMPTY_BEGIN_TEXT) !== 0) {
      if (p.numCap > 0) this.cap[0] = 0;
      return this.tryBacktrack(p.start, 0);
    }
    let width = -1;
    for (let pos = 0; pos <= end && width !== 0; pos += width) {
      if (p.prefix.length > 0) {
        const i = input.indexOf(p.prefix, pos);
        if (i < 0 || i > end - p.prefix.length) break;
        pos = i;
      }
      if (p.numCap > 0) this.cap[0] = pos;
      if (this.tryBacktrack(p.start, pos)) return true;
      width = pos >= end ? 0 : this.widthAt(pos);
    }
    return false;
  }

  private reset(input: string): void {
    this.input = input;
    this.end = input.length;
    this.jobs = 0;
    const words = (this.t.size * (this.end + 1) + 31) >>> 5;
    if (scratch.visited.length < words) scratch.visited = new Uint32Array(Math.max(words, 2 * scratch.visited.length));
    else scratch.visited.fill(0, 0, words);
    this.cap.fill(-1);
    this.matchcap.fill(-1);
  }

  /** The UTF-16 units of the character at `pos` (< end), as re2js's input steps. */
  private widthAt(pos: number): number {
    const c1 = this.input.charCodeAt(pos);
    if (c1 < 0xd800 || c1 > 0xdbff || pos + 1 >= this.end) return 1;
    const c2 = this.input.charCodeAt(pos + 1);
    return c2 >= 0xdc00 && c2 <= 0xdfff ? 2 : 1;
  }

  /** Grows the job stack (by doubling, as re2js's does) so that one more job fits. */
  private growJobs(): void {
    const n = scratch.jobPc.length * 2;
    const pcs = new Int32Array(n);
    const poss = new Int32Array(n);
    const args = new Uint8Array(n);
    pcs.set(scratch.jobPc);
    poss.set(scratch.jobPos);
    args.set(scratch.jobArg);
    scratch.jobPc = pcs;
    scratch.jobPos = poss;
    scratch.jobArg = args;
  }

  /**
   * re2js's `BitState.tryBacktrack`, case for case (leftmost-first: the first match wins). Its
   * `push` and `shouldVisit` are written out in place (they are the loop's hot path): a job is
   * pushed unless its instruction is FAIL or, for a fresh one, its (instruction, position) pair
   * was visited.
   */
  private tryBacktrack(startPc: number, startPos: number): boolean {
    const { op, out, arg: args, ascii, insts } = this.t;
    const { input, end, cap } = this;
    const { visited } = scratch;
    const stride = end + 1;
    let jobs = this.jobs;
    if (op[startPc] !== FAIL && this.visit(startPc * stride + startPos)) {
      if (jobs >= scratch.jobPc.length) this.growJobs();
      scratch.jobPc[jobs] = startPc;
      scratch.jobPos[jobs] = startPos;
      scratch.jobArg[jobs++] = 0;
    }
    while (jobs > 0) {
      jobs--;
      let pc = scratch.jobPc[jobs]!;
      let arg = scratch.jobArg[jobs] === 1;
      let pos = scratch.jobPos[jobs]!;
      let skipVisit = true;
      for (;;) {
        if (!skipVisit) {
          const n = pc * stride + pos;
          const word = visited[n >>> 5]!;
          const mask = 1 << (n & 31);
          if ((word & mask) !== 0) break;
          visited[n >>> 5] = word | mask;
        }
        skipVisit = false;
        const o = op[pc]!;
        if (o >= RUNE) {
          if (pos >= end) break;
          const c = input.charCodeAt(pos);
          if (c < 128) {
            if ((ascii[pc * 4 + (c >>> 5)]! & (1 << (c & 31))) === 0) break;
            pos++;
          } else {
            let r = c;
            let w = 1;
            if (c >= 0xd800 && c <= 0xdbff && pos + 1 < end) {
              const c2 = input.charCodeAt(pos + 1);
              if (c2 >= 0xdc00 && c2 <= 0xdfff) {
                r = (c - 0xd800) * 1024 + (c2 - 0xdc00) + 0x10000;
                w = 2;
              }
            }
            if (!takes(insts[pc]!, r)) break;
            pos += w;
          }
          pc = out[pc]!;
          continue;
        }
        if (o === ALT) {
          if (arg) {
            arg = false;
            pc = args[pc]!;
          } else {
            // push(pc, pos, true): a resumed job is not checked against the visited set.
            if (jobs >= scratch.jobPc.length) this.growJobs();
            scratch.jobPc[jobs] = pc;
            scratch.jobPos[jobs] = pos;
            scratch.jobArg[jobs++] = 1;
            pc = out[pc]!;
          }
          continue;
        }
        if (o === CAPTURE) {
          const slot = args[pc]!;
          if (arg) {
            cap[slot] = pos;
            break;
          }
          if (slot < cap.length) {
            if (jobs >= scratch.jobPc.length) this.growJobs();
            scratch.jobPc[jobs] = pc;
            scratch.jobPos[jobs] = cap[slot]!;
            scratch.jobArg[jobs++] = 1;
            cap[slot] = pos;
          }
          pc = out[pc]!;
          continue;
        }
        if (o === EMPTY_WIDTH) {
          if ((args[pc]! & ~this.context(pos)) !== 0) break;
          pc = out[pc]!;
          continue;
        }
        if (o === NOP) {
          pc = out[pc]!;
          continue;
        }
        if (o === MATCH) {
          this.jobs = jobs;
          if (cap.length === 0) return true;
          if (cap.length > 1) cap[1] = pos;
          if (this.matchcap[1] === -1) this.matchcap.set(cap);
          return true;
        }
        if (o === ALT_MATCH) {
          // (Rare: a program that matches anything from here to the end.)
          this.jobs = jobs;
          if (op[out[pc]!]! >= RUNE) {
            this.push(args[pc]!, pos, false);
            pc = args[pc]!;
            pos = end;
          } else {
            this.push(out[pc]!, end, false);
            pc = out[pc]!;
          }
          jobs = this.jobs;
          continue;
        }
        // FAIL
        break;
      }
    }
    this.jobs = jobs;
    return false;
  }

  /** Marks bit `n` of the visited set; whether it was clear. */
  private visit(n: number): boolean {
    const word = scratch.visited[n >>> 5]!;
    const mask = 1 << (n & 31);
    if ((word & mask) !== 0) return false;
    scratch.visited[n >>> 5] = word | mask;
    return true;
  }

  /** re2js's `push`. */
  private push(pc: number, pos: number, arg: boolean): void {
    if (this.t.op[pc] === FAIL || !(arg || this.visit(pc * (this.end + 1) + pos))) return;
    if (this.jobs >= scratch.jobPc.length) this.growJobs();
    scratch.jobPc[this.jobs] = pc;
    scratch.jobPos[this.jobs] = pos;
    scratch.jobArg[this.jobs++] = arg ? 1 : 0;
  }

  /** re2js's UTF-16 input `context`: the empty-width flags that hold at `pos`. */
  private context(pos: number): number {
    const r1 = pos > 0 && pos <= this.end ? this.input.charCodeAt(pos - 1) : -1;
    const r2 = pos < this.end ? this.input.charCodeAt(pos) : -1;
    let flags = 0;
    if (r1 < 0) flags |= EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE;
    if (r1 === 10) flags |= EMPTY_BEGIN_LINE;
    if (r2 < 0) flags |= EMPTY_END_TEXT | EMPTY_END_LINE;
    if (r2 === 10) flags |= EMPTY_END_LINE;
    flags |= isWord(r1) !== isWord(r2) ? EMPTY_WORD_BOUNDARY : EMPTY_NO_WORD_BOUNDARY;
    return flags;
  }
}
