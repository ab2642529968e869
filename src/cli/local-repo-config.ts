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
      // Both places in one git process (every process the CLI starts costs a fork): GitHub's first.
      const found = await readBlobs(repo, rev, CONFIG_PATHS);
      for (const [i, p] of CONFIG_PATHS.entries()) {
        const text = found[i];
        if (text !== null && text !== undefined) return { path: p, text };
      }
      return { path: CONFIG_PATHS[0], text: null };
    },
  };
}

/**
 * The files at `rev`, in order, through one `git cat-file --batch`: null for one the commit does
 * not have, that is not a file, or that is over the cap. Paths are ours (CONFIG_PATHS), not data.
 */
async function readBlobs(repo: string, rev: string, files: readonly string[]): Promise<(string | null)[]> {
  const asked = run("git", ["-C", repo, "cat-file", "--batch"], {
    encoding: "buffer",
    maxBuffer: files.length * (MAX_FILE_BYTES + 200),
  });
  asked.child.stdin?.end(files.map((f) => `${rev}:${f}\n`).join(""));
  let out: Buffer;
  try {
    out = (await asked).stdout;
  } catch {
    // git could not read the repository at all (or a file is over the cap): as absent, like readFile.
    return files.map(() => null);
  }
  const texts: (string | null)[] = [];
  let at = 0;
  for (let i = 0; i < files.length && at < out.length; i++) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) break;
    // `<object> <type> <size>` before the contents, or `<name> missing` (or ambiguous) alone.
    const [, type, size] = out.subarray(at, eol).toString("utf8").split(" ");
    at = eol + 1;
    const bytes = Number(size);
    if (!type || !Number.isInteger(bytes) || type === "missing" || type === "ambiguous") {
      texts.push(null);
      continue;
    }
    texts.push(type === "blob" && bytes <= MAX_FILE_BYTES ? out.subarray(at, at + bytes).toString("utf8") : null);
    at += bytes + 1;
  }
  while (texts.length < files.length) texts.push(null);
  return texts;
}
