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

import { stampSkipEntry } from "./stamp-skip.js";

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
/** The low bits of a table entry that hold the flag. */
export const FLAG_MASK = 7;
/**
 * Set in a table entry whose state reports a literal of any role. The scanner stops there as it
 * does on a flag (rarely: a verify literal it then reads past); a walk that records the literals
 * of a line (line-literals.ts) needs the same one test per byte as the scanner.
 */
export const FLAG_REPORT = 8;
/** The bits of a table entry that are not the next state's offset (a multiple of the stride, itself of 16). */
export const ENTRY_BITS = 15;

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
  /** Entries per state row: the number of classes rounded up to a multiple of 16. */
  readonly stride: number;
  /**
   * Transition table: `delta[stateOffset + classOf[byte]]` is the next state's offset
   * (state * stride) with the next state's flag and FLAG_REPORT in the low bits, so the hot
   * loop reads one table entry per byte.
   */
  readonly delta: Int32Array;
  /** Indexed by state number. */
  readonly flags: Uint8Array;
  /** Literal ids reported by each state (including those reached through failure links), by state number. */
  readonly outputs: ReadonlyArray<readonly number[] | undefined>;
  readonly literals: readonly string[];
  readonly stateCount: number;
  /**
   * Where the walk from the root lands after a GitHub timestamp (stamp-skip.ts), passing no
   * flagged or reporting state: the scan, and a walk recording a line's literals, may jump there
   * when a line starts with one. -1: not for this table.
   */
  readonly stampEntry: number;
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
  // Byte classes: every byte a literal uses (both cases of a letter together), newline, escape,
  // and one class for all the other bytes, which move every state as they move the root.
  const encoded = literals.map(utf8);
  const used = new Uint8Array(256);
  used[NEWLINE] = used[ESCAPE] = 1;
  let total = 0;
  for (const bytes of encoded) {
    total += bytes.length;
    for (let i = 0; i < bytes.length; i++) used[foldByte(bytes[i]!)] = 1;
  }
  const classOf = new Uint8Array(256);
  let classes = 1;
  const classOfFolded = new Uint8Array(256);
  for (let b = 0; b < 256; b++) if (used[b]) classOfFolded[b] = classes++;
  for (let b = 0; b < 256; b++) classOf[b] = classOfFolded[foldByte(b)]!;
  const stride = Math.ceil(classes / 16) * 16;

  // The trie, as a dense table over classes (0: no edge; no edge leads back to the root), with
  // each state's edges also linked (class, child) so that nothing below walks whole rows in JS.
  // (16-bit entries while the states fit: half the memory to touch.)
  const trie = total + 1 <= 0xffff ? new Uint16Array((total + 1) * stride) : new Int32Array((total + 1) * stride);
  const firstEdge = new Int32Array(total + 1).fill(-1);
  const nextEdge = new Int32Array(total);
  const edgeClass = new Int32Array(total);
  const edgeTarget = new Int32Array(total);
  const out: Array<number[] | undefined> = [];
  let trieStates = 1;
  for (let id = 0; id < encoded.length; id++) {
    const bytes = encoded[id]!;
    let s = 0;
    for (let i = 0; i < bytes.length; i++) {
      const c = classOf[bytes[i]!]!;
      const at = s * stride + c;
      if (trie[at] === 0) {
        const e = trieStates - 1;
        trie[at] = trieStates;
        edgeClass[e] = c;
        edgeTarget[e] = trieStates;
        nextEdge[e] = firstEdge[s]!;
        firstEdge[s] = e;
        trieStates++;
      }
      s = trie[at]!;
    }
    (out[s] ??= []).push(id);
  }

  // Failure links and outputs breadth-first, over the trie alone.
  const fail = new Int32Array(trieStates);
  const order = new Int32Array(trieStates);
  let queued = 1; // the root
  for (let qi = 0; qi < queued; qi++) {
    const s = order[qi]!;
    for (let e = firstEdge[s]!; e >= 0; e = nextEdge[e]!) {
      const c = edgeClass[e]!;
      const t = edgeTarget[e]!;
      let f = s === 0 ? -1 : fail[s]!;
      while (f > 0 && trie[f * stride + c] === 0) f = fail[f]!;
      fail[t] = f < 0 ? 0 : trie[f * stride + c] === t ? 0 : trie[f * stride + c]!;
      const inherited = out[fail[t]!];
      if (inherited) out[t] = out[t] ? [...new Set([...out[t]!, ...inherited])] : inherited;
      order[queued++] = t;
    }
  }

  // Two extra states: one entered on a newline, one on an escape byte.
  const stateCount = trieStates + 2;
  const newlineState = trieStates;
  const escapeState = trieStates + 1;
  const flags = new Uint8Array(stateCount);
  for (let s = 0; s < trieStates; s++) {
    const o = out[s];
    if (!o) continue;
    if (o.some((id) => roleOf(id) === "trigger")) flags[s] = FLAG_MATCH;
    else if (o.some((id) => roleOf(id) === "follow")) flags[s] = FLAG_FOLLOW;
  }
  flags[newlineState] = FLAG_NEWLINE;
  flags[escapeState] = FLAG_ESCAPE;
  const entry = (t: number) => t * stride + flags[t]! + (out[t] ? FLAG_REPORT : 0);

  // The DFA: a state moves as its failure state does, except along its own edges (rows are
  // copied natively; the failure state's row is complete, breadth-first).
  const delta = new Int32Array(stateCount * stride);
  const newlineClass = classOf[NEWLINE]!;
  const escapeClass = classOf[ESCAPE]!;
  for (let qi = 0; qi < trieStates; qi++) {
    const s = order[qi]!;
    if (s !== 0) delta.copyWithin(s * stride, fail[s]! * stride, fail[s]! * stride + stride);
    for (let e = firstEdge[s]!; e >= 0; e = nextEdge[e]!) delta[s * stride + edgeClass[e]!] = entry(edgeTarget[e]!);
    delta[s * stride + newlineClass] = entry(newlineState);
    delta[s * stride + escapeClass] = entry(escapeState);
  }
  // From the marker states, move as the root does.
  for (const special of [newlineState, escapeState]) delta.copyWithin(special * stride, 0, stride);
  const outputs: Array<number[] | undefined> = Array.from({ length: stateCount }, (_, i) => out[i]);
  const stampEntry = stampSkipEntry(delta, classOf, ENTRY_BITS);
  return { classOf, stride, delta, flags, outputs, literals, stateCount, stampEntry };
}

/** A literal's UTF-8 bytes (most are ASCII: no Buffer for those). */
function utf8(lit: string): Uint8Array {
  let ascii = true;
  for (let i = 0; i < lit.length && ascii; i++) ascii = lit.charCodeAt(i) < 0x80;
  if (!ascii) return Buffer.from(lit, "utf8");
  const out = new Uint8Array(lit.length);
  for (let i = 0; i < lit.length; i++) out[i] = lit.charCodeAt(i);
  return out;
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
  return (entry & ~ENTRY_BITS) / pf.stride;
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
    s = flag === FLAG_NEWLINE ? 0 : n & ~ENTRY_BITS;
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
