/** The most of a package.json read to find a script; a real one is a few KiB. */
export const MAX_PACKAGE_JSON_BYTES = 512 * 1024;

/**
 * The `scripts` of a repository's package.json, as plain strings, or why there are none to read.
 * The file is the repository's: it may be anything (not JSON, a `scripts` that is an array, a
 * script named `__proto__`, a value that is a number). Only own string entries are kept, in a
 * Map, so no name can reach an object's prototype; a script's text is data for the shell-words
 * reader, never run.
 */
export function packageScripts(text: string | null): ReadonlyMap<string, string> | { readonly refused: string } {
  if (text === null) return { refused: "package.json is missing, too large or unreadable" };
  if (text.length > MAX_PACKAGE_JSON_BYTES) return { refused: "package.json is too large to read" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { refused: `package.json is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const scripts = isRecord(parsed) ? parsed.scripts : undefined;
  const out = new Map<string, string>();
  if (!isRecord(scripts)) return out;
  for (const [name, script] of Object.entries(scripts))
    if (typeof script === "string" && name.length <= 200) out.set(name, script);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
