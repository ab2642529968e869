import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentsFrom, parseRecipe } from "../../src/agents/index.js";
import { runFix, type FixDeps } from "../../src/pipeline/index.js";
import { LocalForge } from "../../src/forge/index.js";
import { detectSandbox } from "../../src/sandbox/index.js";
import { openDatabase, RunStore, type Database } from "../../src/store/index.js";
import { rustCrate } from "../support/git-repos.js";
import { pipelineDeps } from "../support/pipeline-deps.js";
import { hasCargoFmt } from "../support/toolchains.js";

const dirs: string[] = [];
const FMT = ["cargo", "fmt", "--all", "--check"];
const bubblewrap = detectSandbox() === "bubblewrap";
if (!bubblewrap && process.env.CI === "true")
  throw new Error("bubblewrap is required in CI for the fixer containment tests");

/** A repository's own recipe for format failures whose first step is `step`, then cargo fmt. */
function hostileRecipe(id: string, step: string): ReturnType<typeof agentsFrom> {
  const text = `id: ${id}\nname: ${id}\nhandles: { categories: [format] }\nconfidence: 0.99\nsteps:\n  - ${step}\n  - { id: format, run: cargo fmt --all }\nverify:\n  run: cargo fmt --all --check\n`;
  const { recipe, issues } = parseRecipe(text, `${id}.yml`);
  if (!recipe) throw new Error(issues.join("; "));
  return agentsFrom([], [recipe]);
}

describe.skipIf(!hasCargoFmt || !bubblewrap)("what a repository's fixer can reach and use (findings 3 and 6)", () => {
  let db: Database;
  let runs: RunStore;
  let base: Omit<FixDeps, "forge">;
  // The worker's "Redis": a service on its loopback that no fixer may reach.
  let redis: net.Server;
  let redisPort = 0;
  let connections = 0;
  beforeAll(async () => {
    db = await openDatabase({});
    runs = new RunStore(db);
    base = await pipelineDeps(runs, dirs);
    redis = net.createServer((s) => {
      connections++;
      s.end("+PONG\r\n");
    });
    await new Promise<void>((r) => redis.listen(0, "127.0.0.1", r));
    redisPort = (redis.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => redis.close(() => r()));
    await db.close();
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  it("gives a network step no way to the worker's loopback: not directly, not through the egress proxy, and the refusal is in the ledger", async () => {
    const { dir, sha } = rustCrate("egress");
    dirs.push(dir);
    const probe = `node -e "const n=require('net');const s=n.connect(${redisPort},'127.0.0.1');s.on('connect',()=>{console.log('REACHED');process.exit(0)});s.on('error',e=>{console.log('direct: '+e.code);require('http').get({host:'127.0.0.1',port:3128,path:'http://127.0.0.1:${redisPort}/'},r=>{console.log('proxy: '+r.statusCode);process.exit(0)}).on('error',e=>{console.log('proxy: '+e.code);process.exit(0)})})"`;
    const agents = hostileRecipe("probe", `{ id: probe, run: [sh, -c, ${JSON.stringify(probe)}], network: true }`);
    const out = await runFix(
      { ...base, agents, forge: new LocalForge(runs, dir) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT },
    );
    expect(out.status).toBe("proposed");
    expect(connections).toBe(0);
    const step = (await runs.ledger(out.runId)).find((e) => e.kind === "command" && e.data.step === "probe");
    expect(String(step?.data.outputTail)).toMatch(/direct: ECONNREFUSED/);
    expect(String(step?.data.outputTail)).toMatch(/proxy: 403/);
    expect((await runs.ledger(out.runId)).filter((e) => e.kind === "egress.refused").map((e) => e.data)).toContainEqual(
      expect.objectContaining({ step: "probe", host: "127.0.0.1" }),
    );
  }, 120_000);

  it("ends a fork bomb with a resource-limit outcome, and the worker goes on spawning processes", async () => {
    const { dir, sha } = rustCrate("forkbomb");
    dirs.push(dir);
    const agents = hostileRecipe("bomb", `{ id: bomb, run: [sh, -c, 'b(){ b | b & }; b; sleep 60'], timeout: 90 }`);
    const out = await runFix(
      {
        ...base,
        agents,
        limits: { memoryBytes: 512 * 1024 * 1024, pids: 64, tmpBytes: 64 * 1024 * 1024, diskBytes: 256 * 1024 * 1024 },
        forge: new LocalForge(runs, dir),
      },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT },
    );
    expect(out).toMatchObject({ status: "resource-limit", rule: "sandbox.pids" });
    expect(execFileSync("sh", ["-c", "echo alive"], { encoding: "utf8" }).trim()).toBe("alive");
  }, 120_000);

  it("ends a memory hog with a resource-limit outcome naming memory", async () => {
    const { dir, sha } = rustCrate("memhog");
    dirs.push(dir);
    const agents = hostileRecipe(
      "hog",
      `{ id: hog, run: [node, -e, 'const a=[];for(;;)a.push(Buffer.alloc(16<<20,1))'], timeout: 60 }`,
    );
    const out = await runFix(
      {
        ...base,
        agents,
        limits: { memoryBytes: 256 * 1024 * 1024, pids: 256, tmpBytes: 64 * 1024 * 1024, diskBytes: 256 * 1024 * 1024 },
        forge: new LocalForge(runs, dir),
      },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT },
    );
    expect(out).toMatchObject({ status: "resource-limit", rule: "sandbox.memory" });
  }, 120_000);

  it("stops a run at its deadline, whatever its recipe asks of each step", async () => {
    const { dir, sha } = rustCrate("deadline");
    dirs.push(dir);
    const agents = hostileRecipe(
      "slow",
      `{ id: slow, run: [sleep, "600"], timeout: 3600, onError: retry, retries: 5 }`,
    );
    const out = await runFix(
      { ...base, agents, runDeadlineMs: 5000, forge: new LocalForge(runs, dir) },
      { forge: "local", repo: dir, sha, baseBranch: "main", failingCommand: FMT },
    );
    expect(out).toMatchObject({ status: "resource-limit", rule: "sandbox.deadline" });
  }, 120_000);
});
