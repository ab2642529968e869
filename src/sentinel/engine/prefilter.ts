/**
 * An Aho-Corasick automaton over raw bytes, compiled to a dense DFA, so that the engine can
 * skim a log for the literals its rules need without decoding it or splitting it into lines.
 * ASCII letters are folded (an uppercase byte moves like its lowercase twin), newlines and
 * escape bytes land in marked states so the scanning loop needs a single table read and one
 * test per byte.
 */

export const FLAG_NONE = 0;
export const FLAG_MATCH = 1;
export const FLAG_NEWLINE = 2;
export const FLAG_ESCAPE = 3;
/**
 * A match of follow-up literals only: they can matter only on the line right after one the
 * classifier looked at (a multi-line problem matcher's later patterns), so elsewhere the scanner
 * reads on through the line.
 */
export const FLAG_FOLLOW = 4;

export interface Prefilter {
  /**
   * Transition table: `delta[stateOffset + byte]` is the next state's offset (state * 256) with
   * the next state's flag in the low 8 bits, so the hot loop reads one table entry per byte.
   */
  readonly delta: Int32Array;
  /** Indexed by state number. */
  readonly flags: Uint8Array;
  /** Literal ids reported by each state (including those reached through failure links). */
  readonly outputs: ReadonlyArray<readonly number[] | undefined>;
  readonly literals: readonly string[];
  readonly stateCount: number;
}

const NEWLINE = 10;
const ESCAPE = 27;

/** `followUp[id]`: literal `id` only counts on the line after a line the classifier looked at. */
export function buildPrefilter(literals: readonly string[], followUp: readonly boolean[] = []): Prefilter {
  // Trie construction over folded bytes.
  const goto: Array<Map<number, number>> = [new Map()];
  const out: Array<number[]> = [[]];
  literals.forEach((lit, id) => {
    let s = 0;
    for (const byte of Buffer.from(lit, "utf8")) {
      const b = foldByte(byte);
      let next = goto[s]!.get(b);
      if (next === undefined) {
        next = goto.length;
        goto.push(new Map());
        out.push([]);
        goto[s]!.set(b, next);
      }
      s = next;
    }
    out[s]!.push(id);
  });
  // Two extra states: one entered on a newline, one on an escape byte.
  const stateCount = goto.length + 2;
  const newlineState = goto.length;
  const escapeState = goto.length + 1;
  const delta = new Int32Array(stateCount * 256);
  const flags = new Uint8Array(stateCount);
  const fail = new Int32Array(goto.length);
  const order: number[] = [];

  // Breadth-first over the trie's own edges (folded bytes, so each child is visited once): a
  // state's failure target is always complete before the state itself is processed.
  for (let b = 0; b < 256; b++) delta[b] = (goto[0]!.get(foldByte(b)) ?? 0) * 256;
  for (const t of goto[0]!.values()) {
    fail[t] = 0;
    order.push(t);
  }
  for (let qi = 0; qi < order.length; qi++) {
    const s = order[qi]!;
    out[s] = [...new Set([...out[s]!, ...out[fail[s]!]!])];
    // Move as the failure state does, except along the state's own edges (both cases of a letter).
    delta.copyWithin(s * 256, fail[s]! * 256, fail[s]! * 256 + 256);
    for (const [c, t] of goto[s]!) {
      delta[s * 256 + c] = t * 256;
      if (c >= 97 && c <= 122) delta[s * 256 + c - 32] = t * 256;
    }
    for (const [c, t] of goto[s]!) {
      fail[t] = delta[fail[s]! * 256 + c]! / 256;
      order.push(t);
    }
  }
  for (let s = 0; s < goto.length; s++) {
    if (out[s]!.length > 0) flags[s] = out[s]!.every((id) => followUp[id] === true) ? FLAG_FOLLOW : FLAG_MATCH;
    delta[s * 256 + NEWLINE] = newlineState * 256;
    delta[s * 256 + ESCAPE] = escapeState * 256;
  }
  // From the marker states, move as the root does.
  for (const special of [newlineState, escapeState]) {
    for (let b = 0; b < 256; b++) delta[special * 256 + b] = delta[b]!;
    delta[special * 256 + NEWLINE] = newlineState * 256;
    delta[special * 256 + ESCAPE] = escapeState * 256;
  }
  flags[newlineState] = FLAG_NEWLINE;
  flags[escapeState] = FLAG_ESCAPE;
  const outputs: Array<number[] | undefined> = out.map((o) => (o.length ? o : undefined));
  outputs.push(undefined, undefined);
  for (let i = 0; i < delta.length; i++) delta[i] = delta[i]! | flags[delta[i]! >> 8]!;
  return { delta, flags, outputs, literals, stateCount };
}

function foldByte(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

/** Every literal id found in `bytes[start, end)`, skipping ANSI escape sequences. */
export function literalsIn(pf: Prefilter, bytes: Uint8Array, start: number, end: number): Set<number> {
  const found = new Set<number>();
  let s = 0;
  for (let i = start; i < end; i++) {
    const n = pf.delta[s + bytes[i]!]!;
    const flag = n & 0xff;
    if (flag === FLAG_ESCAPE) {
      i = skipEscape(bytes, i, end);
      continue;
    }
    s = flag === FLAG_NEWLINE ? 0 : n & ~0xff;
    // (Follow-up literals are reported too: the caller knows whether this line follows another.)
    const o = pf.outputs[n >> 8];
    if (o) for (const id of o) found.add(id);
  }
  return found;
}

/**
 * Returns the index of the last byte of the escape sequence starting at `i` (CSI `ESC [ … final`,
 * OSC `ESC ] … BEL`, or a two-byte escape), so that colour codes never split a literal.
 */
export function skipEscape(bytes: Uint8Array, i: number, end: number): number {
  const next = bytes[i + 1];
  if (next === 0x5b) {
    let j = i + 2;
    while (j < end && j - i < 64) {
      const b = bytes[j]!;
      if (b === NEWLINE) return j - 1;
      if (b >= 0x40 && b <= 0x7e) return j;
      j++;
    }
    return Math.min(j, end - 1);
  }
  if (next === 0x5d) {
    let j = i + 2;
    while (j < end && j - i < 512 && bytes[j] !== 7 && bytes[j] !== NEWLINE) j++;
    return bytes[j] === 7 ? j : j - 1;
  }
  return i + 1 < end && next !== NEWLINE ? i + 1 : i;
}
