/**
 * An Aho-Corasick automaton over raw bytes, compiled to a dense DFA, so that the engine can
 * skim a log for the literals its rules need without decoding it or splitting it into lines.
 * ASCII letters are folded (an uppercase byte moves like its lowercase twin), newlines and
 * escape bytes land in marked states so the scanning loop needs two table reads and one test
 * per byte.
 *
 * Bytes that move alike in every state share a class (the builtins' literals use about 80 of
 * the 256 byte values), so a state's row has one entry per class, not per byte: the table is a
 * third of the size and more of the states the scan visits stay in the CPU's cache.
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
/** The low bits of a table entry that hold the flag (a state's offset is a multiple of the stride, itself of 8). */
export const FLAG_MASK = 7;

/**
 * What finding a literal means to the scanner. A `trigger` makes its line a candidate, a `follow`
 * only on the line after one the classifier looked at, and a `verify` literal never does: it is
 * in the automaton so that the walk over a candidate line can say whether the line holds it (a
 * rule's second required literal, checked before its pattern runs).
 */
export type LiteralRole = "trigger" | "follow" | "verify";

export interface Prefilter {
  /** The byte class of each byte value: a table row is indexed by class. */
  readonly classOf: Uint8Array;
  /** Entries per state row: the number of classes rounded up to a multiple of 8. */
  readonly stride: number;
  /**
   * Transition table: `delta[stateOffset + classOf[byte]]` is the next state's offset
   * (state * stride) with the next state's flag in the low bits, so the hot loop reads one
   * table entry per byte.
   */
  readonly delta: Int32Array;
  /** Indexed by state number. */
  readonly flags: Uint8Array;
  /** Literal ids reported by each state (including those reached through failure links), by state number. */
  readonly outputs: ReadonlyArray<readonly number[] | undefined>;
  readonly literals: readonly string[];
  readonly stateCount: number;
}

const NEWLINE = 10;
const ESCAPE = 27;

/**
 * `roles[id]` says what literal `id` is for (default `trigger`). For compatibility a boolean
 * array means "follow-up or not".
 */
export function buildPrefilter(
  literals: readonly string[],
  roles: ReadonlyArray<LiteralRole | boolean> = [],
): Prefilter {
  const roleOf = (id: number): LiteralRole => {
    const r = roles[id];
    return r === true ? "follow" : r === false || r === undefined ? "trigger" : r;
  };
  // Trie construction over folded bytes.
  const goto: Array<Map<number, number>> = [new Map()];
  const out: Array<number[]> = [[]];
  const used = new Set<number>([NEWLINE, ESCAPE]);
  literals.forEach((lit, id) => {
    let s = 0;
    for (const byte of Buffer.from(lit, "utf8")) {
      const b = foldByte(byte);
      used.add(b);
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
  // Byte classes: every byte a literal uses (both cases of a letter together), newline, escape,
  // and one class for all the other bytes, which move every state as they move the root.
  const classOf = new Uint8Array(256);
  const classByte: number[] = [-1];
  for (const b of [...used].sort((x, y) => x - y)) classByte.push(b);
  const classIndex = new Map(classByte.map((b, i) => [b, i]));
  for (let b = 0; b < 256; b++) classOf[b] = classIndex.get(foldByte(b)) ?? 0;
  const stride = Math.ceil(classByte.length / 8) * 8;

  // Two extra states: one entered on a newline, one on an escape byte.
  const stateCount = goto.length + 2;
  const newlineState = goto.length;
  const escapeState = goto.length + 1;
  const delta = new Int32Array(stateCount * stride);
  const flags = new Uint8Array(stateCount);
  const fail = new Int32Array(goto.length);
  const order: number[] = [];

  // Breadth-first over the trie's edges (folded bytes, one class each): a state's failure target
  // is always complete before the state itself is processed.
  const cls = (b: number) => classIndex.get(b)!;
  for (const [c, t] of goto[0]!) delta[cls(c)] = t * stride;
  for (const t of goto[0]!.values()) {
    fail[t] = 0;
    order.push(t);
  }
  for (let qi = 0; qi < order.length; qi++) {
    const s = order[qi]!;
    const inherited = out[fail[s]!]!;
    if (inherited.length > 0) out[s] = out[s]!.length === 0 ? inherited : [...new Set([...out[s]!, ...inherited])];
    // Move as the failure state does, except along the state's own edges.
    delta.copyWithin(s * stride, fail[s]! * stride, fail[s]! * stride + stride);
    for (const [c, t] of goto[s]!) delta[s * stride + cls(c)] = t * stride;
    for (const [c, t] of goto[s]!) {
      fail[t] = delta[fail[s]! * stride + cls(c)]! / stride;
      order.push(t);
    }
  }
  const newlineClass = cls(NEWLINE);
  const escapeClass = cls(ESCAPE);
  for (let s = 0; s < goto.length; s++) {
    const o = out[s]!;
    if (o.some((id) => roleOf(id) === "trigger")) flags[s] = FLAG_MATCH;
    else if (o.some((id) => roleOf(id) === "follow")) flags[s] = FLAG_FOLLOW;
    delta[s * stride + newlineClass] = newlineState * stride;
    delta[s * stride + escapeClass] = escapeState * stride;
  }
  // From the marker states, move as the root does.
  for (const special of [newlineState, escapeState]) {
    delta.copyWithin(special * stride, 0, stride);
    delta[special * stride + newlineClass] = newlineState * stride;
    delta[special * stride + escapeClass] = escapeState * stride;
  }
  flags[newlineState] = FLAG_NEWLINE;
  flags[escapeState] = FLAG_ESCAPE;
  const outputs: Array<number[] | undefined> = out.map((o) => (o.length ? o : undefined));
  outputs.push(undefined, undefined);
  for (let i = 0; i < delta.length; i++) delta[i] = delta[i]! | flags[delta[i]! / stride]!;
  return { classOf, stride, delta, flags, outputs, literals, stateCount };
}

function foldByte(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

/** The table entry for reading `byte` in the state at `offset`: the next state's offset, with its flag in the low bits. */
export function step(pf: Prefilter, offset: number, byte: number): number {
  return pf.delta[offset + pf.classOf[byte]!]!;
}

/** The state number of a table entry. */
export function stateOf(pf: Prefilter, entry: number): number {
  return (entry & ~FLAG_MASK) / pf.stride;
}

/** Every literal id found in `bytes[start, end)`, skipping ANSI escape sequences. */
export function literalsIn(pf: Prefilter, bytes: Uint8Array, start: number, end: number): Set<number> {
  const found = new Set<number>();
  const { delta, classOf, outputs, stride } = pf;
  let s = 0;
  for (let i = start; i < end; i++) {
    const n = delta[s + classOf[bytes[i]!]!]!;
    const flag = n & FLAG_MASK;
    if (flag === FLAG_ESCAPE) {
      i = skipEscape(bytes, i, end);
      continue;
    }
    s = flag === FLAG_NEWLINE ? 0 : n & ~FLAG_MASK;
    // (Follow-up and verify literals are reported too: the caller knows what they are for.)
    const o = outputs[s / stride];
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
