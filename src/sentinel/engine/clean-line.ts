/**
 * Turns one raw line of a CI log into what a person would read, and pulls out the CI envelope:
 * GitHub Actions timestamp prefixes and `##[…]` / `::…::` commands, GitLab runner timestamps,
 * `section_start`/`section_end` markers, ANSI colour codes and `\r` progress rewrites.
 */

export type EnvelopeMarker =
  | { readonly kind: "group-start"; readonly title: string }
  | { readonly kind: "group-end" }
  | { readonly kind: "section-start"; readonly name: string }
  | { readonly kind: "section-end"; readonly name: string };

export interface Annotation {
  readonly level: "error" | "warning" | "notice";
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly title?: string;
}

export interface CleanLine {
  readonly text: string;
  /** Milliseconds since the epoch, from the line's timestamp prefix. */
  readonly time?: number;
  readonly markers: readonly EnvelopeMarker[];
  readonly annotation?: Annotation;
}

// GitHub: `2024-05-01T12:00:00.1234567Z `; GitLab (runner ≥ 17 timestamps): `…Z 00O `, `…Z 01E+`.
const TIMESTAMP = /^\uFEFF?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z)(?: [0-9a-f]{2}[OE]\+?)? ?/;
const SECTION = /section_(start|end):\d+:([A-Za-z0-9_.-]+)(?:\[[^\]\r\n]*\])?\r?(?:\x1b\[0K)?/g;
const ANSI = /\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;
const GITHUB_COMMAND = /^##\[(group|endgroup|error|warning|notice|debug|command|section)\](.*)$/;
const WORKFLOW_COMMAND = /^::(group|endgroup|error|warning|notice|debug)(?: ([^:]*))?::(.*)$/;

export function cleanLine(raw: string): CleanLine {
  const line = splitLine(raw);
  const time = line.stamp === undefined ? undefined : parseTimestamp(line.stamp);
  const { text, markers, annotation } = line;
  return time === undefined ? { text, markers, annotation } : { text, time, markers, annotation };
}

/** A line's timestamp (as printed), when it has one, in milliseconds since the epoch. */
export function timeOf(stamp: string): number | undefined {
  return parseTimestamp(stamp);
}

/** `cleanLine` without reading the timestamp: `stamp` is its text, for `timeOf` when a finding needs it. */
export interface SplitLine {
  readonly text: string;
  readonly stamp: string | undefined;
  readonly markers: readonly EnvelopeMarker[];
  readonly annotation: Annotation | undefined;
}

const NO_MARKERS: readonly EnvelopeMarker[] = Object.freeze([]);

export function splitLine(raw: string): SplitLine {
  let text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  while (text.endsWith("\r")) text = text.slice(0, -1);
  let stamp: string | undefined;
  // GitHub's prefix is the common case: its shape is checked before the regex runs, and its
  // usual form (seven fractional digits, a space) is taken without the regex.
  const shaped = text.length >= 20 && text.charCodeAt(4) === 45 && text.charCodeAt(10) === 84;
  if (shaped && isGithubStamp(text)) {
    stamp = text.slice(0, GITHUB_STAMP_LENGTH);
    text = text.slice(GITHUB_STAMP_LENGTH + 1);
  } else if (shaped || text.charCodeAt(0) === 0xfeff) {
    const ts = TIMESTAMP.exec(text);
    if (ts) {
      stamp = ts[1] as string;
      text = text.slice(ts[0].length);
    }
  }
  let markers: EnvelopeMarker[] | undefined;
  if (text.includes("section_")) {
    text = text.replace(SECTION, (_m, kind: string, name: string) => {
      (markers ??= []).push(kind === "start" ? { kind: "section-start", name } : { kind: "section-end", name });
      return "";
    });
  }
  // A `\r` is rare: indexOf looks for it with memchr, where lastIndexOf walks back a character at a time.
  const cr = text.indexOf("\r") < 0 ? -1 : text.lastIndexOf("\r");
  if (cr >= 0) text = text.slice(cr + 1);
  if (text.includes("\x1b")) text = text.replace(ANSI, "");
  let annotation: Annotation | undefined;
  if (text.startsWith("##[")) {
    const m = GITHUB_COMMAND.exec(text);
    if (m) {
      const kind = m[1] as string;
      text = m[2] as string;
      if (kind === "group") (markers ??= []).push({ kind: "group-start", title: text });
      else if (kind === "endgroup") (markers ??= []).push({ kind: "group-end" });
      else if (kind === "error" || kind === "warning" || kind === "notice") annotation = { level: kind };
    }
  } else if (text.startsWith("::")) {
    const m = WORKFLOW_COMMAND.exec(text);
    if (m) {
      const kind = m[1] as string;
      text = m[3] as string;
      if (kind === "group") (markers ??= []).push({ kind: "group-start", title: text });
      else if (kind === "endgroup") (markers ??= []).push({ kind: "group-end" });
      else if (kind === "error" || kind === "warning" || kind === "notice") {
        annotation = { level: kind, ...parseCommandProperties(m[2] ?? "") };
      }
    }
  }
  return { text, stamp, markers: markers ?? NO_MARKERS, annotation };
}

/** `2024-05-01T12:00:00.1234567Z`: what GitHub prints before every line. */
const GITHUB_STAMP_LENGTH = 28;
const GITHUB_STAMP_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25, 26];

/**
 * Whether `text` starts with GitHub's usual stamp and a space, and TIMESTAMP would take exactly
 * that: not when GitLab's stream marker (` 00O `) follows, which the regex also takes.
 */
function isGithubStamp(text: string): boolean {
  if (text.length <= GITHUB_STAMP_LENGTH || text.charCodeAt(GITHUB_STAMP_LENGTH) !== 32) return false;
  for (let k = 0; k < GITHUB_STAMP_MARKS.length; k += 2)
    if (text.charCodeAt(GITHUB_STAMP_MARKS[k]!) !== GITHUB_STAMP_MARKS[k + 1]) return false;
  // Each digit position minus "0" is in 0..9 exactly when neither it nor 9 minus it is negative:
  // one test of the OR of them all (this runs on every line decoded).
  let d = 0;
  for (const at of GITHUB_STAMP_DIGITS) {
    const c = text.charCodeAt(at) - 48;
    d |= c | (9 - c);
  }
  if (d < 0) return false;
  const marker = text.charCodeAt(GITHUB_STAMP_LENGTH + 3);
  return !(
    isLowerHex(text.charCodeAt(GITHUB_STAMP_LENGTH + 1)) &&
    isLowerHex(text.charCodeAt(GITHUB_STAMP_LENGTH + 2)) &&
    (marker === 79 || marker === 69)
  );
}

/** Position, then character code, of the stamp's punctuation: `-`, `:`, `:`, `.`, `Z` (and `T`, `-` checked before). */
const GITHUB_STAMP_MARKS = [7, 45, 13, 58, 16, 58, 19, 46, 27, 90];

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLowerHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102);
}

function parseTimestamp(iso: string): number | undefined {
  // The shape TIMESTAMP matched: read the digits directly (this runs on every line looked at).
  const d = (at: number, n: number) => {
    let v = 0;
    for (let i = at; i < at + n; i++) v = v * 10 + iso.charCodeAt(i) - 48;
    return v;
  };
  const month = d(5, 2);
  const day = d(8, 2);
  const h = d(11, 2);
  const m = d(14, 2);
  const sec = d(17, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || h > 23 || m > 59 || sec > 59) return fallbackParse(iso);
  // Date.parse reads at most milliseconds; GitHub prints seven fractional digits. The digits after
  // the point (there are some when the stamp is longer than `…:ssZ`), up to three, padded with zeros.
  let ms = 0;
  if (iso.length > 21) {
    const stop = Math.min(23, iso.length - 1);
    for (let i = 20; i < 23; i++) ms = ms * 10 + (i < stop ? iso.charCodeAt(i) - 48 : 0);
  }
  const year = d(0, 4);
  // Day 31 of a 30-day month rolls over in Date.UTC; Date.parse refuses it. (Date.UTC reads
  // years 0-99 as 1900-1999: their leap years are checked as it reads them.)
  if (day > daysIn(year < 100 ? 1900 + year : year, month)) return fallbackParse(iso);
  return Date.UTC(year, month - 1, day, h, m, sec, ms);
}

/** Days in `month` (1-12) of `year`, by the proleptic Gregorian calendar Date uses. */
function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function fallbackParse(iso: string): number | undefined {
  const trimmed = iso.replace(/\.(\d{3})\d*Z$/, ".$1Z");
  const t = Date.parse(trimmed);
  return Number.isNaN(t) ? undefined : t;
}

function parseCommandProperties(props: string): Omit<Annotation, "level"> {
  const out: { file?: string; line?: number; column?: number; title?: string } = {};
  for (const part of props.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = unescapeProperty(part.slice(eq + 1));
    if (key === "file") out.file = value;
    else if (key === "line") out.line = toPositiveInt(value);
    else if (key === "col") out.column = toPositiveInt(value);
    else if (key === "title") out.title = value;
  }
  return out;
}

function unescapeProperty(value: string): string {
  return value
    .replace(/%2C/gi, ",")
    .replace(/%3A/gi, ":")
    .replace(/%0A/gi, "\n")
    .replace(/%0D/gi, "\r")
    .replace(/%25/g, "%");
}

function toPositiveInt(value: string): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Literals whose presence marks a line the envelope tracker must see. */
export const ENVELOPE_LITERALS = [
  "##[",
  "::group::",
  "::endgroup::",
  "::error",
  "::warning",
  "::notice",
  "section_start:",
  "section_end:",
];
