// The `/sentinel` command language is part of the shared vocabulary: forge adapters read it out
// of comments and the commands concern executes it, without either importing the other.
import { COMMAND_NAMES, type CommandName, type ParsedCommand } from "./comment-event.js";

/** Only the start of a longer body is read: commands are short, comments can be pasted logs. */
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_COMMANDS = 5;
export const MAX_ARGS = 8;
export const MAX_ARG_LENGTH = 200;
const MAX_RAW_LENGTH = 2048;

const NAMES: ReadonlySet<string> = new Set(COMMAND_NAMES);
// Up to three spaces: four (or a tab) make an indented code block.
const COMMAND = /^ {0,3}\/sentinel(?:\s+(.*))?$/i;
const FENCE = /^\s*(`{3,}|~{3,})(.*)$/;

/**
 * The `/sentinel` commands of a comment, as people see them rendered: a command is a line that
 * starts with `/sentinel`. What is shown as code (fenced or indented), quoted (a quote reply of
 * someone's command must not run it again) or hidden (HTML comments) does not count, nor does
 * `/sentinel` in the middle of a sentence. `/sentinel` alone asks for help.
 */
export function parseCommands(body: string): ParsedCommand[] {
  const commands: ParsedCommand[] = [];
  let fence: { char: string; length: number } | null = null;
  let inComment = false;
  const lines = readable(body).split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length && commands.length < MAX_COMMANDS; i++) {
    let text = lines[i] as string;
    if (fence) {
      const close = FENCE.exec(text);
      if (close && close[1]?.[0] === fence.char && (close[1]?.length ?? 0) >= fence.length && close[2]?.trim() === "")
        fence = null;
      continue;
    }
    if (inComment) {
      const end = text.indexOf("-->");
      if (end < 0) continue;
      inComment = false;
      text = text.slice(end + 3);
    }
    // Hidden text is not there; a comment left open hides the rest of the body, as it renders.
    text = text.replace(/<!--[\s\S]*?-->/g, "");
    const open = text.indexOf("<!--");
    if (open >= 0) {
      inComment = true;
      text = text.slice(0, open);
    }
    const opener = FENCE.exec(text);
    // A backtick fence's info string cannot hold backticks (CommonMark): "```a``` b" is inline code.
    if (opener && !(opener[1]?.[0] === "`" && opener[2]?.includes("`"))) {
      fence = { char: opener[1]?.[0] as string, length: opener[1]?.length as number };
      continue;
    }
    const match = COMMAND.exec(text);
    if (!match) continue; // indented code (4+ spaces or a tab), quotes (">"), prose
    commands.push(toCommand(match[1] ?? "", text.trim(), i + 1));
  }
  return commands;
}

function toCommand(rest: string, raw: string, line: number): ParsedCommand {
  const words = rest.split(/\s+/).filter((w) => w.length > 0);
  const first = words[0]?.toLowerCase();
  const clip = (ws: string[]) => ws.slice(0, MAX_ARGS).map((w) => w.slice(0, MAX_ARG_LENGTH));
  const base = { raw: raw.slice(0, MAX_RAW_LENGTH), line };
  if (first === undefined) return { name: "help", args: [], ...base };
  if (NAMES.has(first)) return { name: first as CommandName, args: clip(words.slice(1)), ...base };
  return { name: "unknown", args: clip(words), ...base };
}

/** The first MAX_BODY_BYTES of the body, without the line the cut may have split. */
function readable(body: string): string {
  // A UTF-16 unit is 1 to 3 UTF-8 bytes: short bodies fit, and the first MAX_BODY_BYTES units
  // hold at least MAX_BODY_BYTES bytes, so a huge body is never encoded whole.
  if (body.length * 3 <= MAX_BODY_BYTES) return body;
  const bytes = Buffer.from(body.slice(0, MAX_BODY_BYTES), "utf8");
  if (body.length <= MAX_BODY_BYTES && bytes.length <= MAX_BODY_BYTES) return body;
  const head = bytes.subarray(0, MAX_BODY_BYTES).toString("utf8");
  // A command cut mid-line could run with a shortened argument; drop the partial line.
  const lastBreak = Math.max(head.lastIndexOf("\n"), head.lastIndexOf("\r"));
  return lastBreak >= 0 ? head.slice(0, lastBreak) : "";
}
