import { appendFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Worktree } from "./worktree.js";

/** What a JavaScript install writes into a worktree: never part of a fix, whatever the repository's .gitignore says. */
const INSTALLED = ["node_modules/", "/.pnp.cjs", "/.pnp.loader.mjs", "/.yarn/install-state.gz"];

/**
 * Keeps what Sentinel installs out of every fix: the patterns go in the mirror's `info/exclude`,
 * which all its worktrees read. A repository that does not ignore node_modules would otherwise
 * have its installed dependencies committed with the fix. Tracked files are not affected.
 */
export async function excludeInstalledFiles(wt: Worktree): Promise<void> {
  const file = path.join(wt.mirrorDir, "info", "exclude");
  // Absent until the first install: git's own template may not have written one.
  const current = await readFile(file, "utf8").catch(() => "");
  const lines = new Set(current.split("\n"));
  const missing = INSTALLED.filter((p) => !lines.has(p));
  if (missing.length === 0) return;
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, `${current && !current.endsWith("\n") ? "\n" : ""}${missing.join("\n")}\n`);
}
