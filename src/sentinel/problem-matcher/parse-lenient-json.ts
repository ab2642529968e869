/**
 * The runner reads matcher files with Json.NET, which accepts `//` and `/* *\/` comments and
 * trailing commas that JSON.parse rejects; matcher files copied from the toolkit docs carry
 * comments. This strips both (outside strings) in one linear pass and then uses JSON.parse, so
 * anything else non-standard still fails. Throws SyntaxError like JSON.parse.
 */
export function parseLenientJson(text: string): unknown {
  return JSON.parse(stripCommentsAndTrailingCommas(text.replace(/^\uFEFF/, "")));
}

function stripCommentsAndTrailingCommas(text: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') {
      const end = endOfString(text, i);
      out.push(text.slice(i, end));
      i = end;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n" && text[i] !== "\r") i++;
    } else if (ch === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      if (close === -1) return text; // unterminated comment: let JSON.parse report the original
      out.push(" ");
      i = close + 2;
    } else {
      if (ch === "]" || ch === "}") dropTrailingComma(out);
      out.push(ch);
      i++;
    }
  }
  return out.join("");
}

function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === "\\") i += 2;
    else if (text[i] === '"') return i + 1;
    else i++;
  }
  return text.length;
}

function dropTrailingComma(out: string[]): void {
  for (let k = out.length - 1; k >= 0; k--) {
    const piece = out[k] as string;
    if (piece.trim() === "") continue;
    if (piece === ",") out[k] = "";
    return;
  }
}
