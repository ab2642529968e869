import { lstatSync, type Stats } from "node:fs";
import path from "node:path";

/**
 * Local sockets that carry a command's environment or a store's rows (the warm fix runner's, the
 * store host's) are used only where no other user can have made or swapped them: a folder only
 * this user (or root) can change, and, for a socket found there, one this user made and no one
 * else may open.
 */

/** Whether `socket` is this user's, open to no one else, in a folder only this user (or root) can change. */
export function isOwnSocket(socket: string): boolean {
  const s = lstatOrNull(socket);
  return (
    s !== null &&
    s.isSocket() &&
    s.uid === process.getuid?.() &&
    (s.mode & 0o077) === 0 &&
    isPrivateFolder(path.dirname(socket))
  );
}

/** Whether `dir` is a folder only this user (or root) can change: where such a socket may be made. */
export function isPrivateFolder(dir: string): boolean {
  const s = lstatOrNull(dir);
  return s !== null && s.isDirectory() && (s.uid === process.getuid?.() || s.uid === 0) && (s.mode & 0o022) === 0;
}

function lstatOrNull(file: string): Stats | null {
  try {
    return lstatSync(file);
  } catch (error) {
    // Missing (nothing listens yet), or in a folder this user cannot read: not one to use.
    if (["ENOENT", "EACCES", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return null;
    throw error;
  }
}
