/**
 * re2js's compiled program (re2js 2.10: its `Prog` and `Inst`, undeclared in its types) as flat
 * tables for bit-state.ts: what each instruction is, where it goes, and for a character
 * instruction, its answer for each ASCII character.
 */

/** re2js's instruction codes (its `Inst`), its empty-width flags (its `Utils`) and its backtracker's limits. */
export const ALT = 1;
export const ALT_MATCH = 2;
export const CAPTURE = 3;
export const EMPTY_WIDTH = 4;
export const FAIL = 5;
export const MATCH = 6;
export const NOP = 7;
export const RUNE = 8;
export const RUNE1 = 9;
export const RUNE_ANY = 10;
export const RUNE_ANY_NOT_NL = 11;
export const EMPTY_BEGIN_LINE = 1;
export const EMPTY_END_LINE = 2;
export const EMPTY_BEGIN_TEXT = 4;
export const EMPTY_END_TEXT = 8;
export const EMPTY_WORD_BOUNDARY = 16;
export const EMPTY_NO_WORD_BOUNDARY = 32;
export const EMPTY_ALL = -1;
export const MAX_BACKTRACK_PROG = 500;
export const MAX_BACKTRACK_VECTOR = 262144;

/** The parts of re2js's compiled program read here. */
export interface Inst {
  readonly op: number;
  readonly out: number;
  readonly arg: number;
  readonly runes: Int32Array;
  matchRune(r: number): boolean;
}
export interface Prog {
  readonly start: number;
  readonly numCap: number;
  readonly numLb?: number;
  numInst(): number;
  getInst(pc: number): Inst;
}
export interface Tables {
  readonly size: number;
  readonly op: Int32Array;
  readonly out: Int32Array;
  readonly arg: Int32Array;
  /** Per instruction, 128 bits: whether it takes each ASCII character. */
  readonly ascii: Uint32Array;
  readonly insts: readonly Inst[];
}

export function programTables(prog: Prog, size: number): Tables | null {
  const op = new Int32Array(size);
  const out = new Int32Array(size);
  const arg = new Int32Array(size);
  const ascii = new Uint32Array(size * 4);
  const insts: Inst[] = [];
  for (let pc = 0; pc < size; pc++) {
    const inst = prog.getInst(pc);
    if (!inst || inst.op < ALT || inst.op > RUNE_ANY_NOT_NL) return null;
    insts.push(inst);
    op[pc] = inst.op;
    out[pc] = inst.out;
    arg[pc] = inst.arg;
    markAscii(inst, ascii, pc * 4);
  }
  return { size, op, out, arg, ascii, insts };
}

/** Sets the bits, from `at`, of the ASCII characters `inst` takes (as `takes` answers). */
function markAscii(inst: Inst, ascii: Uint32Array, at: number): void {
  const set = (c: number) => (ascii[at + (c >>> 5)]! |= 1 << (c & 31));
  const { runes } = inst;
  if (inst.op === RUNE && runes.length >= 2 && runes.length % 2 === 0 && ascending(runes)) {
    // Sorted ranges, as matchRune reads them (a class's case folding is in its ranges already).
    for (let j = 0; j < runes.length; j += 2)
      for (let c = Math.max(0, runes[j]!); c <= Math.min(127, runes[j + 1]!); c++) set(c);
    return;
  }
  if (inst.op < RUNE) return;
  for (let c = 0; c < 128; c++) if (takes(inst, c)) set(c);
}

/** Whether `runes` is ranges in ascending order, apart (matchRune's scan and search assume so). */
function ascending(runes: Int32Array): boolean {
  for (let j = 0; j < runes.length; j += 2)
    if (runes[j]! > runes[j + 1]! || (j > 0 && runes[j]! <= runes[j - 1]!)) return false;
  return true;
}

/** What re2js's backtracker asks of a character instruction for rune `r`. */
export function takes(inst: Inst, r: number): boolean {
  switch (inst.op) {
    case RUNE:
      return inst.matchRune(r);
    case RUNE1:
      return r === inst.runes[0];
    case RUNE_ANY_NOT_NL:
      return r !== 10;
    case RUNE_ANY:
      return true;
    default:
      return false;
  }
}
