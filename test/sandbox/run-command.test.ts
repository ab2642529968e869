import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  detectSandbox,
  fixerEnv,
  lockedPackageManagerEnv,
  runCommand,
  type SandboxMode,
} from "../../src/sandbox/index.js";

const sandbox = detectSandbox();
if (sandbox === "none") {
  if (process.env.CI === "true") throw new Error("bubblewrap is required in CI (.ci/run installs it)");
  console.warn(
    "\n!!! bubblewrap is not available: the sandbox tests are SKIPPED. Install the bubblewrap package to run them.\n",
  );
}
const roots: string[] = [];
const workdir = () => {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-run-"));
  roots.push(d);
  return d;
};
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
const run = (command: string[], extra: Partial<Parameters<typeof runCommand>[0]> = {}, mode: SandboxMode = sandbox) =>
  runCommand({
    command,
    workdir: extra.workdir ?? workdir(),
    timeoutMs: 10_000,
    maxOutputBytes: 1 << 20,
    sandbox: mode,
    ...extra,
  });

describe("a fixer's environment", () => {
  it("carries no token, secret or service URL of Sentinel's", () => {
    const env = fixerEnv(
      "/w",
      {},
      {
        PATH: "/x",
        GITHUB_TOKEN: "ghs_x",
        PRIVATE_KEY: "k",
        DATABASE_URL: "postgres://",
        REDIS_URL: "redis://",
        WEBHOOK_SECRET: "s",
        LANG: "C.UTF-8",
      },
    );
    // The base set plus the package managers' code-running knobs the sandbox forces.
    expect(Object.keys(env).sort()).toEqual(
      ["CI", "HOME", "LANG", "PATH", "TERM", ...Object.keys(lockedPackageManagerEnv())].sort(),
    );
    expect(Object.values(env).join(" ")).not.toMatch(/ghs_x|postgres:|redis:/);
    expect(env.HOME).toBe("/w/.sentinel-home");
  });

  it("refuses a recipe that asks to pass a secret in", () => {
    expect(() => fixerEnv("/w", { NPM_TOKEN: "x" })).toThrow(/NPM_TOKEN/);
  });

  it("is what the command really sees, whatever the parent process holds", async () => {
    process.env.GITHUB_TOKEN = "ghs_must_not_leak";
    try {
      const r = await run(["sh", "-c", "env"], {}, "none");
      expect(r.output).not.toContain("ghs_must_not_leak");
      expect(r.output).toContain("CI=1");
    } finally {
      delete process.env.GITHUB_TOKEN;
    }
  });
});

describe("limits", () => {
  it("kills the whole process tree when the time is up", async () => {
    const dir = workdir();
    const r = await run(["sh", "-c", "sleep 30 & echo $! > bg.pid; wait"], { workdir: dir, timeoutMs: 500 }, "none");
    expect(r.timedOut).toBe(true);
    const pid = Number(readFileSync(path.join(dir, "bg.pid"), "utf8"));
    await new Promise((res) => setTimeout(res, 100));
    // Gone, or a zombie waiting for init to reap it: either way no longer running.
    const state = existsSync(`/proc/${pid}/stat`)
      ? readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0]
      : "gone";
    expect(["gone", "Z", "X"]).toContain(state);
  });

  it("keeps at most the output cap and says it cut", async () => {
    const r = await run(["sh", "-c", "head -c 100000 /dev/zero | tr '\\\\0' 'x'"], { maxOutputBytes: 1000 }, "none");
    expect(r.output.length).toBe(1000);
    expect(r.outputTruncated).toBe(true);
  });

  it("streams each line as it is printed", async () => {
    const lines: string[] = [];
    await run(["sh", "-c", "echo one; echo two >&2; printf three"], { onLine: (l) => lines.push(l) }, "none");
    expect(lines.sort()).toEqual(["one", "three", "two"]);
  });

  it("tells the caller once the command runs, before its first line arrives", async () => {
    const events: string[] = [];
    await run(["sh", "-c", "echo one; echo two"], {
      onSpawn: () => events.push("spawned"),
      onLine: (l) => events.push(l),
    });
    expect(events).toEqual(["spawned", "one", "two"]);
  });

  it.each(["bubblewrap", "none"] as const)(
    "starts only once the disk under its writable paths is measured, and without the gate's descriptor (%s)",
    async (mode) => {
      if (mode === "bubblewrap" && sandbox === "none") return;
      // A du that takes its time and says when it finished; the command says when it started.
      const bin = workdir();
      const marks = workdir();
      writeFileSync(
        path.join(bin, "du"),
        `#!/bin/sh\nsleep 0.5\ndate +%s%N > ${marks}/du-done\nexec /usr/bin/du "$@"\n`,
        { mode: 0o755 },
      );
      const saved = process.env.PATH;
      process.env.PATH = `${bin}:${saved}`;
      try {
        const r = await run(
          ["sh", "-c", 'date +%s%N; if [ -e /proc/self/fd/3 ]; then echo "fd 3 open"; else echo "fd 3 closed"; fi'],
          {},
          mode,
        );
        const [started, fd3] = r.output.trim().split("\n");
        expect(fd3).toBe("fd 3 closed");
        expect(BigInt(started!)).toBeGreaterThan(BigInt(readFileSync(path.join(marks, "du-done"), "utf8").trim()));
      } finally {
        process.env.PATH = saved;
      }
    },
  );
});

describe("a command's output", () => {
  it("reaches it through /dev/stdout and /dev/stderr, as on a CI runner (`gofmt -l . | tee /dev/stderr`)", async () => {
    const r = await run(["sh", "-c", "echo listed | tee /dev/stderr; echo direct > /dev/stdout; exit 3"]);
    expect(r.exitCode).toBe(3);
    expect(r.output.split("\n").sort()).toEqual(["", "direct", "listed", "listed"]);
  });

  // Unsandboxed: bubblewrap's own pid namespace ends such a process with the command.
  it("is read to its end when a background process it started holds it a moment longer", async () => {
    const r = await run(["sh", "-c", "(sleep 0.3; echo late) & echo early"], {}, "none");
    expect(r.exitCode).toBe(0);
    expect(r.output).toBe("early\nlate\n");
  });
});

describe.skipIf(sandbox === "none")("the bubblewrap sandbox", () => {
  it("lets the command write its worktree and nothing else", async () => {
    const dir = workdir();
    const outside = workdir();
    const r = await run(
      ["sh", "-c", `echo ok > inside.txt; echo x > ${outside}/planted 2>/dev/null; echo y > /tmp/tmpfile; echo done`],
      { workdir: dir },
    );
    expect(r.output).toContain("done");
    expect(r.sandboxed).toBe(true);
    expect(readFileSync(path.join(dir, "inside.txt"), "utf8")).toBe("ok\n");
    expect(existsSync(path.join(outside, "planted"))).toBe(false);
    expect(existsSync("/tmp/tmpfile")).toBe(false);
  });

  it("has no network unless asked", async () => {
    const probe = [
      "node",
      "-e",
      "require('net').connect(5432,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(7))",
    ];
    expect((await run(probe)).exitCode).toBe(7);
  });

  it("shows no process of Sentinel's in /proc", async () => {
    const r = await run(["sh", "-c", "ls /proc | grep -c '^[0-9]'"]);
    expect(Number(r.output.trim())).toBeLessThan(5);
  });

  it("cannot read a secret file outside what it is given", async () => {
    const secretDir = workdir();
    writeFileSync(path.join(secretDir, "key.pem"), "PRIVATE");
    const r = await run(["sh", "-c", `cat ${secretDir}/key.pem || echo unreadable`]);
    expect(r.output).toContain("unreadable");
  });
});
