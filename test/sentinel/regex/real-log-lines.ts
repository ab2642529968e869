import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { cleanLine } from "../../../src/sentinel/engine/clean-line.js";
import { corpusNames, readCorpusLog } from "../../support/log-corpus.js";

const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures");
/** The shared corpus checkout next to the repository, when there is one (the fixtures hold a copy). */
const SHARED_CORPUS = path.resolve(import.meta.dirname, "../../../../shared/log-corpus");

function logFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return logFilesUnder(full);
    return /\.(log|txt)$/.test(name) ? [full] : [];
  });
}

/**
 * Every distinct cleaned line of every real log the tests can read: tool output, CI logs, the
 * public corpus (and the shared checkout of it, when present), as the rules see them.
 */
export function realLogLines(): string[] {
  const files = [
    ...logFilesUnder(path.join(FIXTURES, "tools")),
    ...logFilesUnder(path.join(FIXTURES, "ci-logs")),
    ...logFilesUnder(SHARED_CORPUS),
  ];
  const texts = files.map((f) => readFileSync(f, "utf8"));
  texts.push(...corpusNames().map((n) => readCorpusLog(n).text));
  return [...new Set(texts.flatMap((t) => t.split("\n")).map((l) => cleanLine(l).text))];
}
