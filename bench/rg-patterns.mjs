// The builtins' patterns in ripgrep's syntax, for the bench's anchor: what a plain multi-pattern
// grep over the same log costs. rg (Rust regex) reads RE2 syntax but spells a few things
// differently; a pattern rg still refuses is counted and left out rather than guessed at.
import { spawnSync } from "node:child_process";

/** Every regex the rule set holds: regex matchers, their follow-ups, and problem-matcher patterns. */
export function builtinPatterns(rules) {
  const out = [];
  for (const s of rules.sentinels) {
    for (const m of s.regexMatchers) {
      out.push(m.pattern);
      for (const t of m.then ?? []) out.push(t.pattern);
    }
    for (const pm of s.problemMatchers) for (const p of pm.definition.patterns) out.push(p.regexp);
  }
  return out;
}

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
    out += c;
  }
  // rg joins its -f patterns into one regex, where a group name may appear once: unname them all.
  out = out.replace(/\(\?P?<(?![=!])[A-Za-z_]\w*>/g, "(?:");
  // Case folding as the prefilter does it, ASCII only: Unicode folding makes rg 13 crawl on these.
  return pattern.ignoreCase ? `(?i-u)${out}` : out;
}

/** Patterns rg accepts (one per line for `rg -f`), and how many it refused. */
export function ripgrepPatterns(rules) {
  const accepted = [];
  let refused = 0;
  for (const p of builtinPatterns(rules)) {
    const src = toRipgrep(p);
    if (src.includes("\n")) {
      refused++;
      continue;
    }
    const r = spawnSync("rg", ["--quiet", "-e", src, "-"], { input: "", encoding: "utf8" });
    // rg exits 1 for "no match" and 2 for a pattern error.
    if (r.status === 1) accepted.push(src);
    else refused++;
  }
  return { patterns: accepted, refused };
}
