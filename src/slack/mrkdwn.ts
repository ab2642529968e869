/**
 * Making untrusted text (repo names, job names, log lines, policy messages) safe inside Slack
 * mrkdwn. Slack's control sequences all start with `<` (`<!channel>`, `<@U123>`, `<#C1>`,
 * `<https://x|label>`), so escaping `&`, `<` and `>` is what keeps such text from pinging a
 * channel or disguising a link. Bare URLs and `@here` are not turned into links or mentions as
 * long as every text object carrying such text is sent with `verbatim: true` (see blocks.ts).
 */

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Escapes `&`, `<` and `>` for mrkdwn. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
}

/**
 * Escapes `text` and cuts it to at most `max` characters of escaped output, never inside an
 * entity (a cut `&am` would render as garbage), ending with "…" when something was cut.
 */
export function safeMrkdwn(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let out = "";
  for (const char of text) {
    const piece = ENTITIES[char] ?? char;
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** One line: newlines and other control characters become spaces. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}

/** The url when it is an absolute http(s) url Slack can link to, else null. */
export function httpUrl(url: string | null | undefined): string | null {
  if (!url || url.length > 3000) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.toString() : null;
  } catch {
    // Not a URL: the link is left out, the text stays.
    return null;
  }
}
