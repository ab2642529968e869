import { spawn } from "node:child_process";
import { vulnerabilityCheck, type VulnerabilityCategoryFlags } from "@simple-git/argv-parser";
import { SentinelError } from "../core/index.js";

/** One git command at a time, in one folder, with one environment. */
export interface GitRunner {
  /** Runs `git <args>`; resolves with its stdout, rejects (E_GIT_FAILED, with its stderr) on a non-zero exit. */
  raw(args: readonly string[]): Promise<string>;
}

export type GitUnsafeAllowance = Partial<Record<keyof VulnerabilityCategoryFlags, true>>;

/**
 * Runs git as a plain child process. simple-git, which Sentinel used before, waits 50 ms after
 * every command that prints nothing (`add`, `commit --quiet`, a `for-each-ref` with no match)
 * before it resolves, in case output is still on its way: a dozen such calls cost a `sentinel fix`
 * over half a second. Its argument and environment check is kept as it was (the same parser
 * simple-git runs): an option that makes git run a program is refused unless `allow` names it.
 */
export function gitProcess(baseDir: string, env: Record<string, string>, allow: GitUnsafeAllowance): GitRunner {
  return {
    raw: (args) => {
      for (const v of vulnerabilityCheck([...args], env))
        if (allow[v.category] !== true) return Promise.reject(new SentinelError("E_GIT_REFUSED", v.message));
      return run(baseDir, env, args);
    },
  };
}

function run(cwd: string, env: Record<string, string>, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) =>
      reject(new SentinelError("E_GIT_FAILED", `git ${args[0] ?? ""} could not start: ${e.message}`, { cause: e })),
    );
    // `close`, not `exit`: both pipes are drained by then, so no output is lost.
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      if (code === 0) return resolve(stdout);
      const stderr = Buffer.concat(err).toString("utf8").trim();
      // git's own words first, as simple-git gave them: callers quote the first line to users.
      const why =
        stderr || stdout.trim() || `git ${args[0] ?? ""} ${signal ? `killed by ${signal}` : `exited ${code}`}`;
      reject(new SentinelError("E_GIT_FAILED", why));
    });
  });
}
