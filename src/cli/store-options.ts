import type { Command } from "commander";
import { DEFAULT_STORE_LINGER_S, SentinelError } from "../core/index.js";
import type { Database } from "../store/index.js";
import { DEFAULT_CLI_DATA_DIR, expandDataDir } from "./data-dir.js";

export interface StoreFlags {
  dataDir: string;
  databaseUrl?: string;
}

export { DEFAULT_CLI_DATA_DIR } from "./data-dir.js";

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
  return expandDataDir(opts.dataDir);
}

/** SENTINEL_STORE_LINGER_S (env-schema.ts), in ms. */
export function storeLingerMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SENTINEL_STORE_LINGER_S?.trim();
  if (raw === undefined || raw === "") return DEFAULT_STORE_LINGER_S * 1000;
  if (!/^\d{1,7}$/.test(raw))
    throw new SentinelError(
      "E_ENV_INVALID",
      `SENTINEL_STORE_LINGER_S must be a whole number of seconds (0: close the store with each command), not ${JSON.stringify(raw)}`,
    );
  return Number(raw) * 1000;
}

/** Where the flags' store is, in messages. */
export function storeName(opts: StoreFlags): string {
  return (opts.databaseUrl ?? process.env.DATABASE_URL) ? "the PostgreSQL database" : cliDataDir(opts);
}

/**
 * Opens (and migrates) the store the flags name. A PGlite folder is served by the folder's store
 * host, which every command (`fix`, `audit`, `tiers`) shares and which lingers for the next one
 * (store-host-client.ts says why); it is returned at once, and opens while the command works.
 */
export async function openCliDatabase(opts: StoreFlags): Promise<Database> {
  const url = opts.databaseUrl ?? process.env.DATABASE_URL;
  if (!url) {
    const { openStoreInChild } = await import("../store/store-host-client.js");
    return openStoreInChild(cliDataDir(opts), { lingerMs: storeLingerMs() });
  }
  // pg loads only when a command opens the store: see create-program.ts.
  const { openDatabase } = await import("../store/index.js");
  return openDatabase({ url });
}
