import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { LineScanner } from "../../../src/sentinel/engine/line-scanner.js";
import { planMatching } from "../../../src/sentinel/engine/matching-plan.js";
import { buildPrefilter, FLAG_MASK, type Prefilter } from "../../../src/sentinel/engine/prefilter.js";
import { selectSentinels } from "../../../src/sentinel/engine/select-sentinels.js";
import { DIGITISH, isStampAt, STAMP_BYTES, STAMP_SHAPE } from "../../../src/sentinel/engine/stamp-skip.js";
import { loadBuiltinRules } from "../../../src/sentinel/index.js";

/** Deterministic PRNG so a failure names a reproducible case. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

/** The shape as written, byte by byte: what the unrolled check must agree with. */
function hasShape(buf: Uint8Array, i: number): boolean {
  return STAMP_SHAPE.every((want, k) => {
    const b = buf[i + k]!;
    return want === DIGITISH ? b >= 0x30 && b <= 0x3f : b === want;
  });
}

/** A stamp, or one with a byte or two changed (the near misses the check must turn away). */
function stampish(r: () => number): Buffer {
  const digits = () => String(Math.floor(r() * 10));
  const stamp = Buffer.from(
    `${digits()}${digits()}24-0${digits()}-1${digits()}T1${digits()}:0${digits()}:5${digits()}.${Array.from({ length: 7 }, digits).join("")}Z `,
  );
  const changes = Math.floor(r() * 3);
  for (let k = 0; k < changes; k++) stamp[Math.floor(r() * STAMP_BYTES)] = Math.floor(r() * 256);
  return stamp;
}

/** The lines a scanner hands over, with their numbers, for a log fed in small chunks. */
function scanned(pf: Prefilter, log: Buffer): string[] {
  const out: string[] = [];
  const scanner = new LineScanner(pf, { maxBytes: 1 << 30, maxLineBytes: 65536 }, (bytes, start, end, n) =>
    out.push(`${n}:${bytes.toString("latin1", start, end)}`),
  );
  for (let o = 0; o < log.length; o += 97) scanner.write(log.subarray(o, o + 97));
  scanner.end();
  return out;
}

function realLogs(): Buffer[] {
  const logs: Buffer[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".log")) logs.push(readFileSync(p));
    }
  };
  walk(path.join(import.meta.dirname, "../../fixtures"));
  return logs;
}

describe("the timestamp skip", () => {
  it("checks exactly the stamp's shape, for stamps and near misses", () => {
    const r = prng(29);
    for (let n = 0; n < 20000; n++) {
      const b = stampish(r);
      expect(isStampAt(b, 0), JSON.stringify(b.toString("latin1"))).toBe(hasShape(b, 0));
    }
  });

  it("lands where the walk over any stamp lands, passing no flagged state, for the builtins' table", async () => {
    const rules = await loadBuiltinRules();
    const pf = planMatching(selectSentinels(rules.sentinels, {})).prefilter;
    expect(pf.stampEntry).toBeGreaterThanOrEqual(0);
    const r = prng(7);
    for (let n = 0; n < 5000; n++) {
      const b = stampish(r);
      if (!isStampAt(b, 0)) continue;
      let s = 0;
      for (const byte of b) {
        s = pf.delta[s + pf.classOf[byte]!]!;
        expect(s & FLAG_MASK).toBe(0);
      }
      expect(s).toBe(pf.stampEntry);
    }
  });

  it("is not offered when a literal could end inside a stamp", () => {
    for (const lit of ["12:", "t1", "0z ", ".5", ":"]) expect(buildPrefilter([lit]).stampEntry, lit).toBe(-1);
    expect(buildPrefilter(["error", "##["]).stampEntry).toBeGreaterThanOrEqual(0);
  });

  it("hands over the same lines as the walk, on every fixture log with and without GitHub stamps", async () => {
    const rules = await loadBuiltinRules();
    const pf = planMatching(selectSentinels(rules.sentinels, {})).prefilter;
    const walked: Prefilter = { ...pf, stampEntry: -1 };
    const r = prng(3);
    const logs = realLogs();
    expect(logs.length).toBeGreaterThan(100);
    for (const raw of logs) {
      // Each log as it is, and stamped as GitHub stamps lines (some lines left bare).
      const stamped = Buffer.concat(
        raw
          .toString("latin1")
          .split("\n")
          .map((line) => Buffer.from((r() < 0.9 ? stampish(r).toString("latin1") : "") + line + "\n", "latin1")),
      );
      for (const log of [raw, stamped]) expect(scanned(pf, log)).toEqual(scanned(walked, log));
    }
  });

  it("hands over the same lines as the walk when literals sit right after a stamp", () => {
    const pf = buildPrefilter(["error", " warn", "fail", "--> "], ["trigger", "trigger", "trigger", "follow"]);
    expect(pf.stampEntry).toBeGreaterThanOrEqual(0);
    const walked: Prefilter = { ...pf, stampEntry: -1 };
    const r = prng(11);
    const pieces = ["error", " warn", "fail", "--> ", "x", " ", "\x1b[31m", "\r", "Z ", "1"];
    const lines = Array.from({ length: 3000 }, () => {
      let line = r() < 0.8 ? stampish(r).toString("latin1") : "";
      for (let k = Math.floor(r() * 4); k > 0; k--) line += pieces[Math.floor(r() * pieces.length)];
      return line.replace(/\n/g, " ");
    });
    const log = Buffer.from(lines.join("\n") + "\n", "latin1");
    expect(scanned(pf, log)).toEqual(scanned(walked, log));
  });
});
