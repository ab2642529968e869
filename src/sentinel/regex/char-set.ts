/** Sets of code points as sorted, disjoint, inclusive ranges: enough to tell whether two classes overlap. */

const MAX_CODE = 0x10ffff;

/** A set of code points: sorted, disjoint, inclusive ranges. */
export type Chars = ReadonlyArray<readonly [number, number]>;

/** RE2's digit, word and space classes (ASCII only). */
export const DIGIT: Chars = [[48, 57]];
export const WORD: Chars = [
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
];
export const SPACE: Chars = [
  [9, 10],
  [12, 13],
  [32, 32],
];

export function normalize(ranges: ReadonlyArray<readonly [number, number]>): Chars {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export function union(sets: readonly Chars[]): Chars {
  return normalize(sets.flat());
}

export function complement(set: Chars): Chars {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of set) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE) out.push([next, MAX_CODE]);
  return out;
}

export function disjoint(a: Chars, b: Chars): boolean {
  for (const [alo, ahi] of a) for (const [blo, bhi] of b) if (alo <= bhi && blo <= ahi) return false;
  return true;
}
