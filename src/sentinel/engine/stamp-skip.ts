/**
 * GitHub Actions starts every raw log line with a timestamp, `2024-05-01T12:00:00.1234567Z `:
 * 29 bytes, about a third of a typical line, that the byte scan walks through the automaton two
 * table reads at a time. When no literal can end inside such a stamp, and reading one from the
 * root always lands in the same state, the scan may check the stamp's shape instead (cheaper
 * than the walk) and jump to that state: it is exactly where the walk would have ended, and no
 * state it would have passed reports anything. `stampSkipEntry` proves both for a given table by
 * walking every byte a stamp may hold; the check then admits only bytes the proof covered.
 */

/** Bytes in a stamp. */
export const STAMP_BYTES = 29;

/**
 * The stamp's shape, position by position: a fixed byte, or DIGITISH for any byte 0x30-0x3f
 * (the ten digits and `:;<=>?`: a superset, so that `isStampAt` tests a whole run at once).
 */
export const DIGITISH = -1;
// prettier-ignore
export const STAMP_SHAPE: readonly number[] = [
  DIGITISH, DIGITISH, DIGITISH, DIGITISH, 0x2d /* - */, DIGITISH, DIGITISH, 0x2d /* - */, DIGITISH, DIGITISH,
  0x54 /* T */, DIGITISH, DIGITISH, 0x3a /* : */, DIGITISH, DIGITISH, 0x3a /* : */, DIGITISH, DIGITISH,
  0x2e /* . */, DIGITISH, DIGITISH, DIGITISH, DIGITISH, DIGITISH, DIGITISH, DIGITISH, 0x5a /* Z */, 0x20 /* space */,
];

/**
 * The table entry (a state's offset; its flag bits are 0) the walk reaches from the root after any
 * bytes of STAMP_SHAPE, or -1 when there is no single such state or some state on the way has a
 * `flagMask` bit set (a literal ends there, or a newline or escape).
 */
export function stampSkipEntry(delta: Int32Array, classOf: Uint8Array, flagMask: number): number {
  // The states the walk may be in: the classes of a position's bytes, not the bytes, decide.
  let states = new Set([0]);
  for (const want of STAMP_SHAPE) {
    const classes = new Set<number>();
    if (want === DIGITISH) for (let b = 0x30; b <= 0x3f; b++) classes.add(classOf[b]!);
    else classes.add(classOf[want]!);
    const next = new Set<number>();
    for (const s of states) {
      for (const c of classes) {
        const n = delta[s + c]!;
        if ((n & flagMask) !== 0) return -1;
        next.add(n);
      }
    }
    states = next;
  }
  return states.size === 1 ? [...states][0]! : -1;
}

/**
 * Whether `buf[i, i + STAMP_BYTES)` has STAMP_SHAPE (the caller checks that the bytes are there).
 * Unrolled: it runs at the start of every line.
 */
export function isStampAt(buf: Uint8Array, i: number): boolean {
  if (
    buf[i + 4] !== 0x2d ||
    buf[i + 10] !== 0x54 ||
    buf[i + 27] !== 0x5a ||
    buf[i + 28] !== 0x20 ||
    buf[i + 7] !== 0x2d ||
    buf[i + 13] !== 0x3a ||
    buf[i + 16] !== 0x3a ||
    buf[i + 19] !== 0x2e
  )
    return false;
  // Each digit position minus 0x30 is in 0..15 exactly when no bit above the low four is set in
  // any of them (a byte below 0x30 goes negative: every high bit set).
  const d =
    (buf[i]! - 0x30) |
    (buf[i + 1]! - 0x30) |
    (buf[i + 2]! - 0x30) |
    (buf[i + 3]! - 0x30) |
    (buf[i + 5]! - 0x30) |
    (buf[i + 6]! - 0x30) |
    (buf[i + 8]! - 0x30) |
    (buf[i + 9]! - 0x30) |
    (buf[i + 11]! - 0x30) |
    (buf[i + 12]! - 0x30) |
    (buf[i + 14]! - 0x30) |
    (buf[i + 15]! - 0x30) |
    (buf[i + 17]! - 0x30) |
    (buf[i + 18]! - 0x30) |
    (buf[i + 20]! - 0x30) |
    (buf[i + 21]! - 0x30) |
    (buf[i + 22]! - 0x30) |
    (buf[i + 23]! - 0x30) |
    (buf[i + 24]! - 0x30) |
    (buf[i + 25]! - 0x30) |
    (buf[i + 26]! - 0x30);
  return (d & ~15) === 0;
}
