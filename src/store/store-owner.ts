import { mkdirSync, readFileSync } from "node:fs";
import { readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { SentinelError } from "../core/index.js";

/**
 * Who holds a PGlite data folder. PostgreSQL locks its own data folder; PGlite does not, and two
 * processes opening one folder corrupt it. So every opener of a folder (a store host, or a
 * process that opens it itself: `sentinel serve`, the app) first writes `<folder>.owner` with
 * its pid, exclusively, and removes it when it closes. A file whose process is gone is stale
 * (a crash) and is taken over.
 */
export interface StoreOwnerRecord {
  readonly pid: number;
  /** A store host (serving other processes over `socket`), or a process using the store itself. */
  readonly kind: "host" | "process";
  readonly socket: string | null;
  /**
   * When the process started (Linux: /proc/<pid>/stat's start time), so that another process
   * that got the same pid later (a container restarted: the app is pid 7 again) is not taken
   * for the owner. Null where it cannot be read: the pid alone decides.
   */
  readonly started: string | null;
}

export interface StoreOwnership {
  /** Removes the owner file (only while it still names this process). */
  release(): Promise<void>;
}

export function ownerFileOf(dataDir: string): string {
  return `${path.resolve(dataDir)}.owner`;
}

/**
 * Where a lingering store host listens: beside the folder. Null when the path is too long for a
 * Unix socket (108 bytes with the NUL): the host then serves only the process that started it.
 */
export function hostSocketOf(dataDir: string): string | null {
  const socket = `${path.resolve(dataDir)}.sock`;
  return Buffer.byteLength(socket) <= 100 ? socket : null;
}

/** The folder's owner, when a live process holds it. */
export async function currentOwner(dataDir: string): Promise<StoreOwnerRecord | null> {
  const file = ownerFileOf(dataDir);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const record = parseOwner(text);
  return record && isAlive(record, file) ? record : null;
}

/** Takes the folder, or throws E_STORE_BUSY naming the live process that holds it. */
export async function takeOwnership(
  dataDir: string,
  me: Omit<StoreOwnerRecord, "pid" | "started">,
): Promise<StoreOwnership> {
  const file = ownerFileOf(dataDir);
  mkdirSync(path.dirname(file), { recursive: true });
  if (held.has(file)) throw busy(dataDir, { pid: process.pid, kind: "process", socket: null, started: null });
  const record: StoreOwnerRecord = { pid: process.pid, ...me, started: startTimeOf(process.pid) };
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, JSON.stringify(record) + "\n", { flag: "wx", mode: 0o600 });
      held.add(file);
      return {
        release: async () => {
          held.delete(file);
          await releaseIfMine(file);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 5) throw error;
    }
    const owner = await currentOwner(dataDir);
    if (owner) throw busy(dataDir, owner);
    // The process that wrote it is gone (or it is unreadable half-written junk): taken over.
    await unlink(file).catch((error: NodeJS.ErrnoException) => {
      // Another opener took the stale file over first: the next attempt sees theirs.
      if (error.code !== "ENOENT") throw error;
    });
  }
}

/** The owner files this process holds (one open of a folder at a time, here too). */
const held = new Set<string>();

export function busy(dataDir: string, owner: StoreOwnerRecord): SentinelError {
  const who =
    owner.kind === "host"
      ? `a store host (process ${owner.pid}) that another command started and that is still closing`
      : owner.pid === process.pid
        ? `this process (${owner.pid}) already: it opened the folder before and has not closed it`
        : `process ${owner.pid} (a \`sentinel serve\`, the app, or another command that opens the store itself)`;
  return new SentinelError(
    "E_STORE_BUSY",
    `the store at ${dataDir} is open in ${who}; PGlite admits one process per folder: stop it, wait for it, or use --database-url`,
  );
}

async function releaseIfMine(file: string): Promise<void> {
  // Unreadable or gone: not this process's to remove.
  const text = await readFile(file, "utf8").catch(() => "");
  if (parseOwner(text)?.pid !== process.pid) return;
  await unlink(file).catch((error: NodeJS.ErrnoException) => {
    // Already gone: nothing to release.
    if (error.code !== "ENOENT") throw error;
  });
}

function parseOwner(text: string): StoreOwnerRecord | null {
  try {
    const v = JSON.parse(text) as Partial<StoreOwnerRecord>;
    if (typeof v.pid !== "number" || !Number.isInteger(v.pid) || v.pid <= 0) return null;
    return {
      pid: v.pid,
      kind: v.kind === "host" ? "host" : "process",
      socket: typeof v.socket === "string" ? v.socket : null,
      started: typeof v.started === "string" ? v.started : null,
    };
  } catch {
    // Half-written or not ours: no owner can be read from it.
    return null;
  }
}

function isAlive(owner: StoreOwnerRecord, file: string): boolean {
  // Unless this process holds it (see `held`), a file with its pid was left by an earlier
  // process that had the same pid.
  if (owner.pid === process.pid) return held.has(file);
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: alive, but another user's.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const started = startTimeOf(owner.pid);
  return owner.started === null || started === null || started === owner.started;
}

/** A process's start time in clock ticks since boot (/proc/<pid>/stat, field 22); null off Linux. */
function startTimeOf(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    // No /proc (not Linux), or the process is gone: the pid alone decides.
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19] ?? null;
}
