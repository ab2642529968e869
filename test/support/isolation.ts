import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * Which test files need a process of their own. Most files share a worker's modules (vitest's
 * `isolate: false`), which saves each one importing the source tree and opening PGlite afresh:
 * about a third of the suite's CPU time. A file stays isolated when it, or a support module it
 * imports, holds state a later file would inherit: nock's interceptors and the strict-mock hooks
 * registered when http-mock is first imported, environment variables, module mocks, fake timers,
 * replaced globals.
 */
const HOLDS_STATE =
  /http-mock|running-app|\bnock\b|process\.env(\.\w+|\[[^\]]+\])\s*(=(?!=)|\?\?=|\|\|=)|delete process\.env|vi\.(mock|doMock|resetModules|stubEnv|stubGlobal|useFakeTimers)|globalThis\.\w+\s*=(?!=)|process\.chdir|process\.umask/;

const IMPORT = /from\s+"(\.{1,2}\/[^"]+)"/g;

export function isolatedTestFiles(root: string): string[] {
  const testDir = path.join(root, "test");
  const memo = new Map<string, boolean>();
  const holdsState = (file: string, seen: Set<string>): boolean => {
    const known = memo.get(file);
    if (known !== undefined) return known;
    if (seen.has(file)) return false;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      // An import of a file that is not there fails the test file itself, loudly.
      return false;
    }
    let result = HOLDS_STATE.test(text);
    for (const m of text.matchAll(IMPORT)) {
      if (result) break;
      const target = path.resolve(path.dirname(file), (m[1] as string).replace(/\.js$/, ".ts"));
      // Only the tests' own helpers: the source tree is shared by every file and keeps no test's state.
      if (target.startsWith(testDir + path.sep)) result = holdsState(target, seen);
    }
    memo.set(file, result);
    return result;
  };
  const files = readdirSync(testDir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => path.join(testDir, f));
  return files.filter((f) => holdsState(f, new Set())).map((f) => path.relative(root, f).split(path.sep).join("/"));
}
