import { cleanLine } from "../../sentinel/index.js";

/** The section GitLab's runner runs `before_script` and `script` in; `after_script` has its own. */
const SCRIPT_SECTION = "step_script";
/** The runner's echo of a script entry that spans several lines: only its first line is shown. */
const COLLAPSED = /# collapsed multi-line command$/;

/**
 * Follows a GitLab job trace line by line and keeps the command the job's script was running when
 * it failed: the runner echoes each script entry as `$ <command>` inside `step_script`, and a
 * failing entry stops the script, so the last echo there is the one that failed.
 */
export class ScriptCommandReader {
  private inScript = false;
  private last: string | null = null;

  push(raw: string): void {
    const line = cleanLine(raw);
    for (const m of line.markers) {
      if (m.kind === "section-start" && m.name === SCRIPT_SECTION) this.inScript = true;
      if (m.kind === "section-end" && m.name === SCRIPT_SECTION) this.inScript = false;
    }
    if (!this.inScript || !line.text.startsWith("$ ")) return;
    const command = line.text.slice(2).trim();
    // A collapsed echo is not the whole entry: running its first line would not reproduce the failure.
    this.last = command && !COLLAPSED.test(command) ? command : null;
  }

  /** The failing command as argv for a shell, or null when the trace shows none that can be re-run. */
  command(): string[] | null {
    return this.last === null ? null : ["sh", "-c", this.last];
  }
}

/** The failing command of a whole trace (see ScriptCommandReader). */
export function failingScriptCommand(trace: string): string[] | null {
  const reader = new ScriptCommandReader();
  for (const raw of trace.split("\n")) reader.push(raw);
  return reader.command();
}

/** Splits a streamed trace into lines and reads its failing command, holding one line at a time. */
export async function failingCommandOfStream(chunks: AsyncIterable<Uint8Array>): Promise<string[] | null> {
  const reader = new ScriptCommandReader();
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of chunks) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop() ?? "";
    for (const raw of lines) reader.push(raw);
  }
  reader.push(rest + decoder.decode());
  return reader.command();
}
