// A fix run in its own process whose fixer hangs, so a test can kill the worker mid-EXECUTE.
// Args: database URL, repository dir, commit, scratch dir.
import path from "node:path";
import { agentsFrom, parseRecipe } from "../../src/agents/index.js";
import { localFixDeps, runFix } from "../../src/pipeline/index.js";
import { openDatabase, RunStore } from "../../src/store/index.js";

const [url, repo, sha, scratch] = process.argv.slice(2) as [string, string, string, string];
const db = await openDatabase({ url });
const runs = new RunStore(db);
const hang = parseRecipe(
  "id: cargo-fmt\nname: hanging fmt\nhandles: { categories: [format] }\nconfidence: 0.99\nsteps:\n  - { id: hang, run: sleep 600, timeout: 900 }\n",
  "hang.yml",
).recipe!;
await runFix(
  await localFixDeps({
    runs,
    repo,
    mirrorsDir: path.join(scratch, "mirrors"),
    workRoot: path.join(scratch, "worktrees"),
    agents: agentsFrom([], [hang]),
    leaseTtlMs: 1500,
  }),
  { forge: "local", repo, sha, baseBranch: "main", failingCommand: ["cargo", "fmt", "--all", "--check"] },
);
