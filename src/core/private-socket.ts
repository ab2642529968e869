import { lstatSync } from "node:fs";
import path from "node:path";

/**
 * Local sockets that carry a command's environment or a store's rows (the warm fix runner's, the
 * store host's) are used only where no other user can have made or swapped them: a folder only
 * this user (or root) can change, and, for a socket found there, one this user made and no one
 * else may open.
 */

/** Whether `socket` is this user's, open to no one else, in a folder only this user (or root) can change. */
export function isOwnSocket(socket: string): boolean {
  const uid = process.getuid?.();
  try {
    const s = lstatSync(socket);
    const dir = lstatSync(path.dirname(socket));
    return (
      s.isSocket() &&
      s.uid === uid &&
      (s.mode & 0o077) === 0 &&
      dir.isDirectory() &&
      (dir.uid === uid || dir.uid === 0) &&
      (dir.mode & 0o022) === 0
    );
  } catch (error) {
    // No socket there (nothing listens yet), or a folder this user cannot read: not one to use.
    if (["ENOENT", "EACCES", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return false;
    throw error;
  }
}

/** Whether `dir` is a folder only this user (or root) can change: where such a socket may be made. */
export function isPrivateFolder(dir: string): boolean {
  try {
    const s = lstatSync(dir);
    return s.isDirectory() && (s.uid === process.getuid?.() || s.uid === 0) && (s.mode & 0o022) === 0;
  } catch (error) {
    // Missing or unreadable: not such a folder.
    if (["ENOENT", "EACCES", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return false;
    throw error;
  }
}
