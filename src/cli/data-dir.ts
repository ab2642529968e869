import os from "node:os";
import path from "node:path";

/**
 * The one local store every subcommand (`fix`, `audit`, `tiers`) reads and writes unless told
 * otherwise: in the home folder, so a run recorded from one directory is found from any other.
 * (Its own small module: the warm runner's client reads it before the CLI loads.)
 */
export const DEFAULT_CLI_DATA_DIR = path.join("~", ".sentinel", "pglite");

/** A data folder with a leading `~` read as the home folder (a default is not expanded by a shell). */
export function expandDataDir(dir: string): string {
  return dir.replace(/^~(?=$|[\\/])/, os.homedir());
}
