// The anchor for `npm run bench`: ripgrep with the patterns a log line must match for the engine to
// have anything to do with it, in rg's syntax. That is every regex rule's pattern and every
// problem-matcher pattern with a required literal, for the sentinels that watch a plain log (as
// the engine selects them). Left out, each with its reason (the bench prints them): `then`/`end`
// steps, which run only on the lines after their rule matched, and problem-matcher patterns with
// no required literal (`^([^\s].*)$`, `^$`…), which match most lines and which the engine never
// scans for either (it replays the lines before a later pattern's hit). Keeping those would make
// rg report nearly every line and flatter the engine. rg (Rust regex) reads RE2 syntax but spells
// a few things differently; a pattern rg still refuses is counted and left out rather than guessed at.
import { spawnSync } from "node:child_process";
import { selectSentinels } from "../dist/sentinel/engine/select-sentinels.js";

/**
 * The patterns that make a line a candidate, and those left out: `{ pattern, why }`, `why` one of
 * "then-step", "end-step", "no-literal". A sentinel whose job/command globs skip an unknown job
 * (the bench's log names none) is left out whole, as the engine leaves it out.
 */
export function anchorPatterns(rules) {
  const patterns = [];
  const excluded = [];
  for (const s of selectSentinels(rules.sentinels, {})) {
    for (const m of s.regexMatchers) {
      patterns.push(m.pattern);
      for (const t of m.then ?? []) excluded.push({ owner: m.ruleId, pattern: t.pattern, why: "then-step" });
      if (m.end) excluded.push({ owner: m.ruleId, pattern: m.end, why: "end-step" });
    }
    for (const pm of s.problemMatchers) {
      pm.definition.patterns.forEach((p, i) => {
        if (pm.literals[i]) patterns.push(p.regexp);
        else
          excluded.push({
            owner: `${pm.definition.owner} pattern ${i + 1}/${pm.definition.patterns.length}`,
            pattern: p.regexp,
            why: "no-literal",
          });
      });
    }
  }
  return { patterns, excluded };
}

export const WHY = {
  "then-step": "a `then` step: tried only on the lines after its rule matched",
  "end-step": "an `end` pattern: tried only inside an open block",
  "no-literal": "no required literal (a catch-all): the engine replays it around a later pattern's hit",
};

/**
 * What the engine strips before a rule sees a line: the runner's timestamp and a `##[…]` command.
 * rg reads raw lines, so a `^` becomes "line start, after the envelope if any": without that, rg
 * would turn away every anchored rule's line at its first byte, cheaply and wrongly.
 */
const ENVELOPE = String.raw`^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z ?)?(?:##\[[a-z]+\])?`;

// RE2's \d \w \s \b are ASCII; Rust's are Unicode by default, which is both different and far slower.
const ASCII_CLASS = { d: "digit", w: "word", s: "space" };

export function toRipgrep(pattern) {
  let out = "";
  let inClass = false;
  const src = pattern.source;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === "\\") {
      const e = src[i + 1] ?? "";
      i++;
      const name = ASCII_CLASS[e.toLowerCase()];
      if (name) {
        const cls = `[:${e === e.toUpperCase() ? "^" : ""}${name}:]`;
        out += inClass ? cls : `[${cls}]`;
      } else if (e === "b" && !inClass) out += "(?-u:\\b)";
      else if (e === "/")
        out += "/"; // JS-style `\/` (problem matchers): rg refuses the needless escape
      else out += c + e;
      continue;
    }
    if (c === "[" && !inClass) {
      inClass = true;
      out += c;
      // A leading `]` or `^]` is a literal bracket, not the class's end.
      if (src[i + 1] === "^") out += src[++i];
      if (src[i + 1] === "]") out += src[++i];
      continue;
    }
    if (c === "]" && inClass) inClass = false;
    out += c === "^" && !inClass ? ENVELOPE : c;
  }
  // rg joins its -f patterns into one regex, where a group name may appear once: unname them all.
  out = out.replace(/\(\?P?<(?![=!])[A-Za-z_]\w*>/g, "(?:");
  // Each pattern in a group of its own, so that its flags stay in it (a bare `(?i)` leaks into the
  // patterns after it in rg's joined regex). Case folding as the prefilter does it, ASCII only:
  // Unicode folding makes rg 13 crawl on these. A pattern of ASCII text is read as bytes (`(?-u)`,
  // several times faster for rg: `.` and `[^…]` need no UTF-8 decoding), a pattern with non-ASCII
  // text in Unicode mode, where rg accepts it.
  const ascii = /^[\x00-\x7f]*$/.test(out);
  if (pattern.ignoreCase) return ascii ? `(?i-u:${out})` : `(?i:${out})`;
  return ascii ? `(?-u:${out})` : `(?:${out})`;
}

/** Whether rg takes a pattern (rg exits 1 for "no match" and 2 for a pattern error). */
export function rgAccepts(src) {
  if (src.includes("\n")) return false;
  return spawnSync("rg", ["--quiet", "-e", src, "-"], { input: "", encoding: "utf8" }).status === 1;
}

/** The anchor's patterns that rg accepts (one per line for `rg -f`), how many it refused, and what was left out. */
export function ripgrepPatterns(rules) {
  const { patterns, excluded } = anchorPatterns(rules);
  const accepted = [];
  let refused = 0;
  for (const p of patterns) {
    const src = toRipgrep(p);
    if (rgAccepts(src)) accepted.push(src);
    else refused++;
  }
  return { patterns: [...new Set(accepted)], refused, excluded };
}
