import path from "node:path";
import { Command } from "commander";
import type { CliIo } from "./io.js";
import { readRepoHead } from "./repo-head.js";
import { cliDataDir, openCliDatabase, withStoreOptions, type StoreFlags } from "./store-options.js";
import { mayUseRunner, runnerLingerMs, runnerSocketOf, startRunnerHost } from "./warm-runner.js";

/**
 * The whole pipeline on a laptop: run the failing command in a clean worktree of HEAD, diagnose
 * it, fix it with the agent that handles it, verify, push a `sentinel/fix-…` branch into the
 * repository itself and record the pull request in the local store. The checkout is not touched.
 */
export function fixCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  return (
    withStoreOptions(
      new Command("fix")
        .description(
          "Diagnose a failing command in a local repository, fix it, verify the fix and push it to a sentinel/ branch.",
        )
        .requiredOption("--repo <path>", "the git repository")
        .option(
          "--command <command>",
          'the failing command, e.g. "npx eslint ." (run with sh -c inside the sandbox); without it, the builtin recipes\' checks that apply to the repository (cargo fmt, gofmt, black, ruff) are tried in turn',
        )
        .option("--base <branch>", "the branch the fix is proposed against (default: the current branch)")
        .option("--rules <paths...>", "extra sentinel rule files or directories")
        .option("--no-builtin", "do not load the builtin sentinels")
        .option("--require-sandbox", "refuse to run fixers without bubblewrap")
        .option(
          "--format <format>",
          "text, or json (the run's outcome: status, reason, agent, branch, commit, pull request, phase times)",
          "text",
        ),
    )
      // The pipeline (agents, sandbox, store) loads only when `fix` runs: see create-program.ts.
      .action(async (opts: FixCommandFlags) => {
        // bin/sentinel.js found no warm runner for this data folder (warm-runner-client.ts): this
        // process runs the command, and starts one for the next.
        const socket = mayUseRunner(io) ? runnerSocketOf(cliDataDir(opts)) : null;
        try {
          await fixInProcess(io, setExitCode, opts);
        } finally {
          if (socket) startRunnerHost(cliDataDir(opts), socket, runnerLingerMs());
        }
      })
  );
}

/** The flags this file reads itself. */
type FixCommandFlags = StoreFlags & { repo: string; base?: string };

/** `sentinel fix` in this process. */
async function fixInProcess(io: CliIo, setExitCode: (code: number) => void, opts: FixCommandFlags): Promise<void> {
  const repo = path.resolve(opts.repo);
  const head = readRepoHead(repo, opts.base);
  if (!head) {
    io.stderr.write(`sentinel fix: ${repo} is not a git repository with a commit\n`);
    return setExitCode(2);
  }
  // The store opens in a process of its own while the pipeline's modules load and the
  // config is read: forks from this process stay cheap, and the run's first record waits
  // for the open (store-host-client.ts).
  const opening = openCliDatabase(opts);
  // Awaited in fix-action, where its error is reported; this only keeps Node from calling it unhandled meanwhile.
  opening.catch(() => undefined);
  // The mirror fetches the commit meanwhile too (git works while this process compiles): the
  // run's workspace step then finds it there.
  const mirrors = import("../workspace/index.js").then(({ MirrorCache }) => {
    const cache = new MirrorCache(path.join(path.dirname(cliDataDir(opts)), "mirrors"));
    // A failed fetch is the run's to report: its own ensure() tries again and says why.
    cache.prefetch({ url: repo }, head.sha).catch(() => undefined);
    return cache;
  });
  const { runFixAction } = await import("./fix-action.js");
  // (fix-action.ts types all the flags: importing its types here would make a cycle.)
  return runFixAction(io, setExitCode, opts as Parameters<typeof runFixAction>[2], {
    repo,
    head,
    opening,
    mirrors: await mirrors,
  });
}
