/**
 * Text normalisation shared by file paths in findings and by fingerprints: what changes between
 * two runs of the same failure (workspace roots, temp dirs, timestamps, durations, hex ids,
 * plain numbers) is replaced by a fixed token.
 */

const WORKSPACE_ROOTS: RegExp[] = [
  /^\/home\/runner\/work\/[^/]+\/[^/]+\//, // GitHub-hosted Linux runners
  /^\/Users\/runner\/work\/[^/]+\/[^/]+\//, // GitHub-hosted macOS runners
  /^[A-Za-z]:[\\/]a[\\/][^\\/]+[\\/][^\\/]+[\\/]/, // GitHub-hosted Windows runners
  /^\/__w\/[^/]+\/[^/]+\//, // GitHub container jobs
  /^\/builds\/(?:[^/]+\/)+?[^/]+\/(?=[^/]+(?:\/|$))/, // GitLab runner project dir
];

/** A repository-relative path for a file a tool printed, with forward slashes. */
export function normalizeFilePath(file: string, extraRoots: readonly string[] = []): string {
  let f = file.trim();
  // (Most paths a tool prints have no backslash and are relative: this runs for every finding.)
  if (f.includes("\\")) f = f.replace(/\\/g, "/");
  for (const root of extraRoots) {
    const r = root.replace(/\\/g, "/").replace(/\/?$/, "/");
    if (f.startsWith(r)) return f.slice(r.length);
  }
  // Every root starts with `/` or a drive letter and a colon.
  if (f.charCodeAt(0) === 47 || f.charCodeAt(1) === 58) {
    for (const re of WORKSPACE_ROOTS) {
      const m = re.exec(f);
      if (m) {
        f = f.slice(m[0].length);
        break;
      }
    }
  }
  while (f.startsWith("./")) f = f.slice(2);
  return f;
}

const VOLATILE: Array<[RegExp, string]> = [
  [/\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?/g, "<time>"],
  [/\b\d{1,2}:\d\d:\d\d(?:\.\d+)?\b/g, "<time>"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>"],
  [/\b0x[0-9a-f]+\b/gi, "<hex>"],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi, "<hex>"],
  [/(?:\/tmp|\/var\/folders|\/private\/var\/folders|\/var\/tmp)\/[^\s:'"()]+/g, "<tmp>"],
  [/[A-Za-z]:\\Users\\[^\\]+\\AppData\\Local\\Temp\\[^\s:'"()]+/g, "<tmp>"],
  [/\/home\/runner\/work\/[^/\s]+\/[^/\s]+\//g, ""],
  [/\/builds\/[^\s:'"]+?\/(?=src\/|lib\/|test\/|tests\/)/g, ""],
  [/\b\d+(?:\.\d+)?\s?(?:ms|s|sec|secs|seconds|m|min|mins|minutes|h)\b/g, "<duration>"],
  [/(?<![\w.])\d+(?:\.\d+)?(?![\w])/g, "<n>"],
];

export function normalizeVolatile(text: string): string {
  let out = text;
  for (const [re, token] of VOLATILE) out = out.replace(re, token);
  return out.replace(/\s+/g, " ").trim();
}
