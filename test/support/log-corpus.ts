import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A copy of the shared public log corpus (see its README). */
export const LOG_CORPUS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/log-corpus");

export interface CorpusLog {
  readonly name: string;
  /** The log as CI printed it: the corpus's `#=SOURCE=#` lines and in-band markers removed. */
  readonly text: string;
  /** 1-based line numbers (in `text`) that the corpus marks with `#=MATCH=#` as the failure. */
  readonly matchLines: readonly number[];
}

export function corpusNames(): string[] {
  return readdirSync(LOG_CORPUS_DIR)
    .filter((n) => n.endsWith(".txt"))
    .sort();
}

export function readCorpusLog(name: string): CorpusLog {
  const raw = readFileSync(path.join(LOG_CORPUS_DIR, name), "utf8");
  const lines: string[] = [];
  const matchLines: number[] = [];
  for (const line of raw.split("\n")) {
    if (line.startsWith("#=SOURCE=#")) continue;
    let text = line;
    if (text.startsWith("#=MATCH=# ")) {
      text = text.slice("#=MATCH=# ".length);
      matchLines.push(lines.length + 1);
    }
    lines.push(text.replace(/[‹›]/g, ""));
  }
  return { name, text: lines.join("\n"), matchLines };
}

/** Every `.log` and `.txt` file under `dir`, at any depth (recorded tool outputs, CI logs). */
export function logFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? logFilesUnder(full) : /\.(log|txt)$/.test(name) ? [full] : [];
  });
}
