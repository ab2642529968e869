import { execFileSync } from "node:child_process";

/** The commit a local fix starts from, and the branch it is proposed against. */
export interface RepoHead {
  readonly sha: string;
  readonly base: string;
}

/**
 * HEAD's commit and (unless `base` is given) its branch, from one git process: every process the
 * CLI starts costs a fork. Null when `repo` is not a git repository with a commit.
 */
export function readRepoHead(repo: string, base?: string): RepoHead | null {
  // `--abbrev-ref` applies only to the revisions after it: HEAD^{commit} still prints as a full sha.
  const args =
    base === undefined
      ? ["rev-parse", "HEAD^{commit}", "--abbrev-ref", "HEAD"]
      : ["rev-parse", "--verify", "HEAD^{commit}"];
  let lines: string[];
  try {
    lines = execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" })
      .trim()
      .split("\n");
  } catch {
    // git's own message is about a missing HEAD; the caller's says what to do.
    return null;
  }
  const [sha, branch] = lines;
  if (!sha || !/^[0-9a-f]{40,64}$/.test(sha)) return null;
  return { sha, base: base ?? branch ?? "HEAD" };
}
