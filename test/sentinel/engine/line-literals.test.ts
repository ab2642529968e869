import { describe, expect, it } from "vitest";
import { LineLiterals } from "../../../src/sentinel/engine/line-literals.js";
import { buildPrefilter, literalsIn } from "../../../src/sentinel/engine/prefilter.js";
import { loadBuiltinRules } from "../../../src/sentinel/index.js";
import { planMatching } from "../../../src/sentinel/engine/matching-plan.js";
import { selectSentinels } from "../../../src/sentinel/engine/select-sentinels.js";

/** Deterministic PRNG so a failure names a reproducible case. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

const sorted = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);

/** What LineLiterals reads from raw bytes and from text must be what the automaton's own walk reports. */
function expectSameAsAutomaton(line: LineLiterals, pf: ReturnType<typeof buildPrefilter>, text: string): void {
  const bytes = Buffer.from(text, "utf8");
  const expected = sorted(literalsIn(pf, bytes, 0, bytes.length));
  line.readBytes(bytes, 0, bytes.length);
  expect(sorted(line.found), JSON.stringify(text)).toEqual(expected);
  for (const id of expected) expect(line.has(id)).toBe(true);
  line.readText(text);
  // (No escape byte in these lines: the text walk sees the same bytes.)
  expect(sorted(line.found), JSON.stringify(text)).toEqual(expected);
}

describe("the literals of one line", () => {
  it("are those the automaton reports, for random lines over the builtins' literals", async () => {
    const rules = await loadBuiltinRules();
    const plan = planMatching(selectSentinels(rules.sentinels, {}));
    const pf = plan.prefilter;
    const line = new LineLiterals(pf);
    const r = prng(14);
    // Pieces of real literals glued with noise, so that most lines hold several literals and
    // the states reached span the whole table (the bitset's words and bit positions).
    for (let n = 0; n < 3000; n++) {
      let text = "";
      const parts = 1 + Math.floor(r() * 6);
      for (let k = 0; k < parts; k++) {
        const lit = pf.literals[Math.floor(r() * pf.literals.length)]!;
        const cut = Math.floor(r() * lit.length);
        text += (r() < 0.5 ? lit : lit.slice(cut)) + (r() < 0.5 ? " " : ": ");
        if (r() < 0.3) text += lit.toUpperCase();
      }
      expectSameAsAutomaton(line, pf, text);
      // As GitHub stamps a line (the walk jumps over the stamp): the same literals.
      const stamp = `2024-05-0${n % 10}T12:0${n % 7}:00.${String(n).padStart(7, "0")}Z `;
      expectSameAsAutomaton(line, pf, stamp + text);
      expectSameAsAutomaton(line, pf, stamp.slice(0, -1) + text);
    }
  });

  it("are found right after a GitHub timestamp, and a stamp-like start a literal ends in is walked", () => {
    const pf = buildPrefilter(["error", " warn", "ror"]);
    const line = new LineLiterals(pf);
    expectSameAsAutomaton(line, pf, "2024-05-01T12:00:00.1234567Z error warn");
    expectSameAsAutomaton(line, pf, "2024-05-01T12:00:00.1234567Z  warn");
    // A literal that ends inside a stamp: no jump for this table, and the literal is found.
    const inStamp = buildPrefilter(["7z"]);
    expectSameAsAutomaton(new LineLiterals(inStamp), inStamp, "2024-05-01T12:00:00.1234567Z x");
  });

  it("are found in states whose bit is past the first words of the table", () => {
    // Many literals make many states; the last literal's state sits far into the bitset.
    const literals = Array.from({ length: 400 }, (_, i) => `lit${i}x`);
    const pf = buildPrefilter(literals);
    const line = new LineLiterals(pf);
    expectSameAsAutomaton(line, pf, "a lit0x b lit399x c lit257x");
    expect(sorted(line.found.map((id) => Number(pf.literals[id]!.slice(3, -1))))).toEqual([0, 257, 399]);
  });
});
