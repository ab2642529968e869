import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ConfigReader } from "../config/index.js";

const run = promisify(execFile);

/** Where a repository keeps Sentinel's config: GitHub's path first, then GitLab's (src/forge). */
const CONFIG_PATHS = [".github/sentinel.yml", ".gitlab/sentinel.yml"] as const;

/** A config file larger than this is not read: the repository-file loader's own cap is 64 KiB. */
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * The repository's config and the files it names, read from one commit of a local repository
 * (`sentinel fix` reads HEAD, the commit it fixes), so a local run honours the same `fix.recipes`,
 * `fix.disable`, `fix.categories`, sentinels and policy as the service does for that repository.
 * Files are read through git, never from the working tree: what is fixed is the commit.
 */
export function localConfigReader(repo: string, rev: string): ConfigReader {
  const readFile = async (file: string): Promise<string | null> => {
    // A path from the config is data: only a plain relative path is handed to git.
    if (!/^[^-/][^\0\n\r:]*$/.test(file) || file.split("/").includes("..")) return null;
    try {
      const { stdout } = await run("git", ["-C", repo, "show", `${rev}:${file}`], {
        encoding: "utf8",
        maxBuffer: MAX_FILE_BYTES,
      });
      return stdout;
    } catch {
      // git exits non-zero when the commit has no such file (or it is over the cap): the file is absent.
      return null;
    }
  };
  return {
    readFile,
    async readConfig() {
      for (const p of CONFIG_PATHS) {
        const text = await readFile(p);
        if (text !== null) return { path: p, text };
      }
      return { path: CONFIG_PATHS[0], text: null };
    },
  };
}
