import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runnerSocketOf } from "../../src/cli/warm-runner.js";
import { rustCrate } from "../support/git-repos.js";
import { hasCargoFmt } from "../support/toolchains.js";

// `sentinel fix` hands its run to a warm runner when one listens for its data folder
// (src/cli/warm-runner.ts): the installed CLI (bin/sentinel.js and the build) is what does that.
const built = existsSync(path.resolve("dist/cli-bundle/build-id"));
if (!built && process.env.CI === "true")
  throw new Error("dist/cli-bundle/build-id is missing: `npm ci` builds it, and CI runs after it");
if (!built) process.stderr.write("\nSKIPPING the warm runner's tests: no dist/ (run npm run build)\n\n");

const bin = path.resolve("bin/sentinel.js");
const root = mkdtempSync(path.join(tmpdir(), "sentinel-runner-"));
const RUNNER_ENV = { SENTINEL_FIX_RUNNER_LINGER_S: "30", SENTINEL_STORE_LINGER_S: "5" };

afterAll(() => {
  // The hosts these tests started: each listens on a socket under `root`.
  spawnSync("pkill", ["-f", `warm-runner-host.js --socket ${root}`]);
  rmSync(root, { recursive: true, force: true });
});

function sentinel(args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    timeout: 120_000,
    cwd: o.cwd,
    env: { ...process.env, ...RUNNER_ENV, ...o.env },
  });
}

/** As `sentinel`, without blocking this process (a listener in it must stay free to accept). */
function sentinelAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...RUNNER_ENV } });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("exit", (status) => resolve({ status, stderr }));
  });
}

/** Resolves once the data folder's runner host says it listens (a probe's connection would count as a run). */
async function listening(data: string, timeoutMs = 15_000): Promise<void> {
  const log = `${data}.fix-runner.log`;
  const says = () => existsSync(log) && readFileSync(log, "utf8").includes(`listening on ${runnerSocketOf(data)}`);
  if (!(await waitFor(says, timeoutMs))) throw new Error(`no runner host listens for ${data}`);
}

/**
 * A data folder whose runner host listens, started by a `fix` that fails at once (its --repo is
 * no git repository, exit 2), so the test's own run is the first one handed over.
 */
async function warmRunner(name: string): Promise<string> {
  const data = path.join(root, name, "pglite");
  const warmUp = sentinel(["fix", "--repo", path.join(root, name), "--data-dir", data]);
  expect(warmUp.status).toBe(2);
  await listening(data);
  return data;
}

const handOffs = (data: string) => {
  const log = `${data}.fix-runner.log`;
  return existsSync(log)
    ? readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l.includes("handed a connection")).length
    : 0;
};

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe.skipIf(!built)("the warm fix runner", () => {
  it.skipIf(!hasCargoFmt)(
    "runs the next fix of a data folder with the pipeline already loaded, with the same outcome as the first",
    async () => {
      const data = path.join(root, "a", "pglite");
      const first = rustCrate("runner_first");
      const second = rustCrate("runner_second");
      const one = sentinel(["fix", "--repo", first.dir, "--data-dir", data, "--format", "json"]);
      expect(one.stderr).toBe("");
      expect(JSON.parse(one.stdout)).toMatchObject({ status: "proposed", agentId: "cargo-fmt" });
      await listening(data);
      // This user's only: a run takes the connecting process's environment.
      expect(statSync(runnerSocketOf(data)!).mode & 0o077).toBe(0);
      expect(handOffs(data)).toBe(0);

      const two = sentinel(["fix", "--repo", second.dir, "--data-dir", data, "--format", "json"]);
      expect(two.stderr).toBe("");
      expect(JSON.parse(two.stdout)).toMatchObject({ status: "proposed", agentId: "cargo-fmt" });
      expect(handOffs(data)).toBe(1);
      rmSync(first.dir, { recursive: true, force: true });
      rmSync(second.dir, { recursive: true, force: true });
    },
    180_000,
  );

  it.skipIf(!hasCargoFmt)(
    "runs a command with the client's working folder and environment, not the runner's",
    async () => {
      const data = await warmRunner("b");
      const repo = rustCrate("runner_cwd");
      const cwd = path.dirname(repo.dir);
      // A relative --repo, and the data folder named by SENTINEL_DATA_DIR alone.
      const r = sentinel(["fix", "--repo", path.basename(repo.dir), "--format", "json"], {
        cwd,
        env: { SENTINEL_DATA_DIR: data },
      });
      expect(r.stderr).toBe("");
      const outcome = JSON.parse(r.stdout) as { status: string; runId: string; pullRequest: { repo: string } };
      expect(outcome.status).toBe("proposed");
      expect(outcome.pullRequest.repo).toBe(repo.dir);
      expect(handOffs(data)).toBe(1);
      const replay = sentinel(["audit", "replay", outcome.runId, "--data-dir", data]);
      expect(replay.status).toBe(0);
      rmSync(repo.dir, { recursive: true, force: true });
    },
    180_000,
  );

  it("returns the run's exit code and error output", async () => {
    const data = path.join(root, "c", "pglite");
    const notARepo = path.join(root, "c", "not-a-repo");
    mkdirSync(notARepo, { recursive: true });
    const cold = sentinel(["fix", "--repo", notARepo, "--data-dir", data]);
    await listening(data);
    const warm = sentinel(["fix", "--repo", notARepo, "--data-dir", data]);
    expect(handOffs(data)).toBe(1);
    expect({ status: warm.status, stdout: warm.stdout, stderr: warm.stderr }).toEqual({
      status: cold.status,
      stdout: cold.stdout,
      stderr: cold.stderr,
    });
    expect(warm.status).toBe(2);
    expect(warm.stderr).toContain("is not a git repository");
  }, 60_000);

  it("serves fixes that start at once, each in a process of its own", async () => {
    const data = path.join(root, "i", "pglite");
    const notARepo = path.join(root, "i", "not-a-repo");
    mkdirSync(notARepo, { recursive: true });
    sentinel(["fix", "--repo", notARepo, "--data-dir", data]);
    await listening(data);
    const run = () => sentinelAsync(["fix", "--repo", notARepo, "--data-dir", data]);
    const results = await Promise.all([run(), run(), run()]);
    for (const r of results) {
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("is not a git repository");
    }
    const log = readFileSync(`${data}.fix-runner.log`, "utf8");
    const pids = [...log.matchAll(/handed a connection to process (\d+)/g)].map((m) => m[1]);
    expect(pids).toHaveLength(3);
    expect(new Set(pids).size).toBe(3);
  }, 60_000);

  it("is not used when runners are off (SENTINEL_FIX_RUNNER_LINGER_S=0)", () => {
    const data = path.join(root, "d", "pglite");
    const r = sentinel(["fix", "--repo", path.join(root, "d"), "--data-dir", data], {
      env: { SENTINEL_FIX_RUNNER_LINGER_S: "0" },
    });
    expect(r.status).toBe(2);
    expect(existsSync(`${data}.fix-runner.log`)).toBe(false);
  });

  it("leaves a run to the CLI when a dead runner's socket is left behind, and a new runner takes the name", async () => {
    const data = path.join(root, "e", "pglite");
    mkdirSync(path.dirname(data), { recursive: true });
    const socket = runnerSocketOf(data)!;
    // A runner killed outright leaves its socket file, with nobody listening on it.
    const holder = spawnSync(process.execPath, [
      "-e",
      `require("net").createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, "SIGKILL"))`,
    ]);
    expect(holder.signal).toBe("SIGKILL");
    expect(existsSync(socket)).toBe(true);
    const r = sentinel(["fix", "--repo", path.join(root, "e"), "--data-dir", data]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("is not a git repository");
    await listening(data);
    expect(handOffs(data)).toBe(0);
  }, 60_000);

  it.skipIf(!hasCargoFmt)(
    "stops a run when its command is interrupted, and the run's sandboxed command with it",
    async () => {
      const data = await warmRunner("f");
      const repo = rustCrate("runner_signal");
      const marker = "sleep 41.25";
      const child = spawn(process.execPath, [bin, "fix", "--repo", repo.dir, "--data-dir", data, "--command", marker], {
        env: { ...process.env, ...RUNNER_ENV },
        stdio: "ignore",
      });
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
        child.once("exit", (code, signal) => resolve(signal ?? code)),
      );
      const running = () => spawnSync("pgrep", ["-f", `^${marker}$`]).status === 0;
      expect(await waitFor(running, 60_000)).toBe(true);
      child.kill("SIGINT");
      expect(await exited).toBe("SIGINT");
      expect(await waitFor(() => !running(), 10_000)).toBe(true);
      expect(handOffs(data)).toBe(1);
      rmSync(repo.dir, { recursive: true, force: true });
    },
    180_000,
  );

  it("never sends a command to a socket someone else could have made or swapped", async () => {
    const data = path.join(root, "g", "pglite");
    mkdirSync(path.dirname(data), { recursive: true });
    const socket = runnerSocketOf(data)!;
    // A listener at the runner's name, open to every user: it must be sent nothing. (A runner host
    // started after the run may knock, to see whether a host listens: it sends nothing either.)
    let received = 0;
    const impostor = createServer((c) => {
      c.on("data", (d: Buffer) => (received += d.length));
      c.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => impostor.listen(socket, resolve));
    chmodSync(socket, 0o777);
    try {
      // Not spawnSync: the impostor must be free to accept while the command runs.
      const { status, stderr } = await sentinelAsync(["fix", "--repo", path.join(root, "g"), "--data-dir", data]);
      await new Promise((r) => setTimeout(r, 100));
      expect(status).toBe(2);
      expect(stderr).toContain("is not a git repository");
      expect(received).toBe(0);
    } finally {
      impostor.close();
      spawnSync("pkill", ["-f", `warm-runner-host.js --socket ${socket}`]);
    }
  });

  it("gives a command started with other Node settings, limits or user a runner of its own", () => {
    const data = path.join(root, "h", "pglite");
    const base = runnerSocketOf(data);
    expect(base).toMatch(/\.fix-[0-9a-f]{8}\.sock$/);
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = "/etc/ssl/company-ca.pem";
    try {
      expect(runnerSocketOf(data)).not.toBe(base);
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
    }
    expect(runnerSocketOf(data)).toBe(base);
  });
});
