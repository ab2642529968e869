import { lstat, readdir } from "node:fs/promises";
import path from "node:path";

/**
 * Bytes allocated under `roots`: every file and directory counted once (hard links and
 * overlapping roots too), symlinks not followed. Allocated blocks, not apparent sizes: a sparse
 * file costs what it takes on disk.
 */
export async function diskUsage(roots: readonly string[]): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (p: string): Promise<void> => {
    let st;
    try {
      st = await lstat(p, { bigint: true });
    } catch {
      // Removed while we walked: it takes no room.
      return;
    }
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return;
    seen.add(id);
    total += Number(st.blocks) * 512;
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = await readdir(p);
    } catch {
      // Removed or unreadable while we walked: it takes no room we can count.
      return;
    }
    for (const name of names) await walk(path.join(p, name));
  };
  for (const root of roots) await walk(root);
  return total;
}

export interface DiskWatchdog {
  stop(): void;
}

/**
 * Measures what a step added under its writable paths every `intervalMs` and calls `onExceeded`
 * (once) when that passes `budgetBytes`. `baseline` is the usage before the step started. A
 * measurement still running when the next is due is not doubled up.
 */
export function startDiskWatchdog(o: {
  roots: readonly string[];
  baseline: number;
  budgetBytes: number;
  intervalMs: number;
  onExceeded: (addedBytes: number) => void;
}): DiskWatchdog {
  let busy = false;
  let done = false;
  const timer = setInterval(() => {
    if (busy || done) return;
    busy = true;
    void diskUsage(o.roots).then((now) => {
      busy = false;
      const added = now - o.baseline;
      if (!done && added > o.budgetBytes) {
        done = true;
        clearInterval(timer);
        o.onExceeded(added);
      }
    });
  }, o.intervalMs);
  timer.unref();
  return {
    stop: () => {
      done = true;
      clearInterval(timer);
    },
  };
}
