import { lstat, realpath } from "node:fs/promises";
import path from "node:path";

/**
 * Resolves a path the model named to an absolute path inside the worktree, or says why not. The
 * model's paths are untrusted: absolute paths, `..` segments and symlinks whose target leaves the
 * worktree are refused, so a tool can never read or write outside the checkout it was given.
 */
export type Confined = { ok: true; absolute: string; relative: string } | { ok: false; reason: string };

export async function confine(worktree: string, requested: string): Promise<Confined> {
  if (typeof requested !== "string" || requested.trim() === "") return { ok: false, reason: "no path given" };
  if (requested.includes("\0")) return { ok: false, reason: "the path contains a NUL byte" };
  if (path.isAbsolute(requested) || /^[A-Za-z]:[\\/]/.test(requested)) {
    return { ok: false, reason: "absolute paths are refused; name a path relative to the repository root" };
  }
  const segments = requested.split(/[\\/]+/);
  if (segments.includes("..")) return { ok: false, reason: "paths with `..` are refused" };
  const root = await realpath(worktree);
  const relative = path.normalize(segments.filter((s) => s !== "" && s !== ".").join("/"));
  if (relative === "." || relative === "") return { ok: false, reason: "the path names the repository root" };
  // Case-folded: on a case-insensitive checkout `.GIT/config` is git's own config.
  const folded = relative.toLowerCase();
  if (folded === ".git" || folded.startsWith(".git/")) return { ok: false, reason: "git's own files are refused" };
  const absolute = path.join(root, relative);
  // The nearest existing ancestor (the file itself when it exists) must resolve inside the root:
  // this catches a symlinked file or a symlinked directory on the way.
  const existing = await nearestExisting(absolute, root);
  const resolved = await realpath(existing);
  if (resolved !== root && !resolved.startsWith(root + path.sep)) {
    return { ok: false, reason: "the path leaves the repository through a symlink" };
  }
  return { ok: true, absolute, relative };
}

async function nearestExisting(absolute: string, root: string): Promise<string> {
  let current = absolute;
  while (current !== root && current.startsWith(root)) {
    try {
      await lstat(current);
      return current;
    } catch {
      // Not there yet (a file the patch will create): its parent decides.
      current = path.dirname(current);
    }
  }
  return root;
}
