import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import type { Database } from "../store/index.js";

export interface StoreFlags {
  dataDir: string;
  databaseUrl?: string;
}

/**
 * The one local store every subcommand (`fix`, `audit`, `tiers`) reads and writes unless told
 * otherwise: in the home folder, so a run recorded from one directory is found from any other.
 */
export const DEFAULT_CLI_DATA_DIR = path.join("~", ".sentinel", "pglite");

/** The options that name the store: PostgreSQL by URL, else the PGlite data folder. */
export function withStoreOptions(command: Command): Command {
  return command
    .option(
      "--data-dir <dir>",
      "the PGlite data folder (when DATABASE_URL is not set; default: SENTINEL_DATA_DIR, else ~/.sentinel/pglite)",
      process.env.SENTINEL_DATA_DIR ?? DEFAULT_CLI_DATA_DIR,
    )
    .option("--database-url <url>", "PostgreSQL (default: DATABASE_URL)");
}

/** The data folder with a leading `~` read as the home folder (a default is not expanded by a shell). */
export function cliDataDir(opts: StoreFlags): string {
  return opts.dataDir.replace(/^~(?=$|[\\/])/, os.homedir());
}

/** Where the flags' store is, in messages. */
export function storeName(opts: StoreFlags): string {
  return (opts.databaseUrl ?? process.env.DATABASE_URL) ? "the PostgreSQL database" : cliDataDir(opts);
}

/**
 * Opens (and migrates) the store the flags name. PGlite's folder admits one process at a time: stop the server first.
 * `inChild`: a command that starts many processes of its own (`fix`) keeps PGlite in a child
 * process, opened while the command works (store-host-client.ts says why).
 */
export async function openCliDatabase(opts: StoreFlags, o: { inChild?: boolean } = {}): Promise<Database> {
  const url = opts.databaseUrl ?? process.env.DATABASE_URL;
  if (!url && o.inChild) {
    const { openStoreInChild } = await import("../store/store-host-client.js");
    return openStoreInChild(cliDataDir(opts));
  }
  // pg and PGlite load only when a command opens the store: see create-program.ts.
  const { openDatabase } = await import("../store/index.js");
  return openDatabase(url ? { url } : { dataDir: cliDataDir(opts) });
}
