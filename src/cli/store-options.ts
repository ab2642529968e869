import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import type { Database } from "../store/index.js";

export interface StoreFlags {
  dataDir: string;
  databaseUrl?: string;
}

/** The options that name the server's store: PostgreSQL by URL, else the PGlite data folder. */
export function withStoreOptions(command: Command): Command {
  return command
    .option(
      "--data-dir <dir>",
      "the PGlite data folder (when DATABASE_URL is not set)",
      process.env.SENTINEL_DATA_DIR ?? path.join(".sentinel", "pglite"),
    )
    .option("--database-url <url>", "PostgreSQL (default: DATABASE_URL)");
}

/** Opens (and migrates) the store the flags name. PGlite's folder admits one process at a time: stop the server first. */
export async function openCliDatabase(opts: StoreFlags): Promise<Database> {
  // pg and PGlite load only when a command opens the store: see create-program.ts.
  const { openDatabase } = await import("../store/index.js");
  const url = opts.databaseUrl ?? process.env.DATABASE_URL;
  return openDatabase(url ? { url } : { dataDir: opts.dataDir.replace(/^~/, os.homedir()) });
}
