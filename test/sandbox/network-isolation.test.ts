import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, chmodSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  detectSandbox,
  egressFromEnv,
  fixerEnv,
  parseHostRule,
  runCommand,
  type EgressRefusal,
  type RunCommandOptions,
} from "../../src/sandbox/index.js";

const sandbox = detectSandbox();
if (sandbox === "none") {
  if (process.env.CI === "true") throw new Error("bubblewrap is required in CI (.ci/run installs it)");
  console.warn(
    "\n!!! bubblewrap is not available: the network isolation tests are SKIPPED. Install the bubblewrap package to run them.\n",
  );
}
const roots: string[] = [];
const workdir = () => {
  const d = mkdtempSync(path.join(tmpdir(), "sentinel-net-"));
  roots.push(d);
  return d;
};
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
const run = (command: string[], extra: Partial<RunCommandOptions> = {}) =>
  runCommand({
    command,
    workdir: workdir(),
    timeoutMs: 30_000,
    maxOutputBytes: 1 << 20,
    sandbox,
    network: true,
    egress: { allow: [], allowPrivate: [] },
    ...extra,
  });
const node = (code: string) => ["node", "-e", code];

/** A TCP listener standing in for Redis on the worker: it counts who got through. */
let canary: net.Server;
let canaryPort = 0;
let accepted = 0;
beforeAll(async () => {
  canary = net.createServer((s) => {
    accepted++;
    s.end("+PONG\r\n");
  });
  await new Promise<void>((r) => canary.listen(0, "0.0.0.0", r));
  canaryPort = (canary.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => canary.close(() => r())));

const probe = (host: string, port: number) =>
  node(
    `require("net").connect(${port}, ${JSON.stringify(host)}).on("connect", () => process.exit(0)).on("error", (e) => { console.log(e.code); process.exit(7); })`,
  );

describe("a step that needs the network, without bubblewrap", () => {
  it("is refused, never run on the worker's network", async () => {
    await expect(
      runCommand({
        command: ["true"],
        workdir: workdir(),
        timeoutMs: 5000,
        maxOutputBytes: 1000,
        sandbox: "none",
        network: true,
        egress: { allow: [], allowPrivate: [] },
      }),
    ).rejects.toMatchObject({ code: "E_SANDBOX_NETWORK_UNISOLATED" });
  });
});

describe.skipIf(sandbox === "none")("a network step in the sandbox", () => {
  it("needs an egress policy", async () => {
    await expect(
      runCommand({
        command: ["true"],
        workdir: workdir(),
        timeoutMs: 5000,
        maxOutputBytes: 1000,
        sandbox,
        network: true,
      }),
    ).rejects.toMatchObject({ code: "E_SANDBOX_EGRESS_POLICY" });
  });

  it("cannot reach a service on the worker's loopback (the Redis canary)", async () => {
    const before = accepted;
    const r = await run(probe("127.0.0.1", canaryPort));
    expect(r.exitCode).toBe(7);
    expect(r.output).toContain("ECONNREFUSED");
    expect(accepted).toBe(before);
  });

  it("cannot reach the worker's own non-loopback address", async () => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
    if (!address) return console.warn("no non-loopback IPv4 address on this machine: nothing to probe");
    const before = accepted;
    const r = await run(probe(address, canaryPort));
    expect(r.exitCode).toBe(7);
    expect(accepted).toBe(before);
  });

  it("has only its own loopback interface", async () => {
    const r = await run(["sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"]);
    expect(r.output.trim()).toBe("lo");
  });

  it("gets 403 from the proxy for the canary, whether through the forwarder or the proxy's socket itself", async () => {
    const refused: EgressRefusal[] = [];
    const before = accepted;
    // Through HTTP_PROXY (the forwarder), then straight at the unix socket as hostile code could.
    const code = `
      const http = require("http"); const net = require("net");
      const proxy = new URL(process.env.HTTP_PROXY);
      const viaForwarder = () => new Promise((ok) => http.request({ host: proxy.hostname, port: proxy.port, method: "CONNECT", path: "127.0.0.1:${canaryPort}" }).on("connect", (res) => ok(res.statusCode)).on("response", (res) => ok(res.statusCode)).on("error", (e) => ok(e.code)).end());
      const viaSocket = () => new Promise((ok) => { const s = net.connect("/run/sentinel-egress/proxy.sock"); s.write("CONNECT localhost:${canaryPort} HTTP/1.1\\r\\n\\r\\n"); s.on("data", (d) => { ok(String(d).split(" ")[1]); s.destroy(); }); s.on("error", (e) => ok(e.code)); });
      (async () => console.log("forwarder", await viaForwarder(), "socket", await viaSocket()))();`;
    const r = await run(node(code), { onEgressRefused: (x) => refused.push(x) });
    expect(r.output).toContain("forwarder 403 socket 403");
    expect(r.egressRefusals).toBe(2);
    expect(refused.map((x) => x.host)).toEqual(["127.0.0.1", "localhost"]);
    expect(accepted).toBe(before);
  });

  it("reaches an allowlisted host end to end: forwarder, proxy, checked address", async () => {
    const server = http.createServer((req, res) => res.end(`fake registry: ${req.headers.host} ${req.url}`));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const dialled: string[] = [];
      const r = await run(
        ["sh", "-c", 'curl -sS --max-time 20 http://pkgs.example.invalid/left-pad && echo && node -e "$TUNNEL"'],
        {
          egress: {
            allow: [parseHostRule("pkgs.example.invalid"), parseHostRule("pkgs.example.invalid:443")],
            allowPrivate: [],
          },
          egressNet: {
            lookup: async (host) => (host === "pkgs.example.invalid" ? ["203.0.113.7"] : []),
            connect: (address, p) => {
              dialled.push(`${address}:${p}`);
              return net.connect(port, "127.0.0.1");
            },
          },
          // A CONNECT tunnel through HTTPS_PROXY, speaking plain HTTP inside it (the fake has no TLS).
          env: {
            TUNNEL: `const u = new URL(process.env.HTTPS_PROXY); require("http").request({ host: u.hostname, port: u.port, method: "CONNECT", path: "pkgs.example.invalid:443" }).on("connect", (res, s) => { s.write("GET /tunnel HTTP/1.0\\r\\nHost: pkgs.example.invalid\\r\\n\\r\\n"); s.on("data", (d) => process.stdout.write(String(d).split("\\r\\n\\r\\n")[1] ?? "")); }).end();`,
          },
        },
      );
      expect(r.output).toContain("fake registry: pkgs.example.invalid /left-pad");
      expect(r.output).toContain("fake registry: pkgs.example.invalid /tunnel");
      expect(r.exitCode).toBe(0);
      expect(dialled).toEqual(["203.0.113.7:80", "203.0.113.7:443"]);
    } finally {
      server.close();
    }
  });

  it("passes the command's exit status and signal through the forwarder", async () => {
    expect((await run(["sh", "-c", "exit 3"])).exitCode).toBe(3);
    expect((await run(["sh", "-c", "kill -TERM $$"])).exitCode).toBe(143);
    expect((await run(["no-such-command-anywhere"])).exitCode).not.toBe(0);
  });
});

describe("the package managers' code-running knobs", () => {
  it("are forced whatever a recipe asks", () => {
    for (const name of [
      "YARN_RC_FILENAME",
      "yarn_ignore_path",
      "npm_config_git",
      "NPM_CONFIG_IGNORE_SCRIPTS",
      "HTTPS_PROXY",
      "no_proxy",
      "HOME",
    ]) {
      expect(() => fixerEnv("/w", { [name]: "x" })).toThrow(expect.objectContaining({ code: "E_SANDBOX_ENV_DENIED" }));
    }
    const env = fixerEnv("/w");
    expect(env.npm_config_git).toMatch(/^\/.*git$/);
    expect(env).toMatchObject({
      npm_config_ignore_scripts: "true",
      npm_config_ignore_pnpmfile: "true",
      YARN_IGNORE_PATH: "1",
      YARN_ENABLE_SCRIPTS: "0",
      YARN_IGNORE_SCRIPTS: "true",
    });
    expect(env.YARN_RC_FILENAME).toMatch(/^\.sentinel-no-yarnrc-[0-9a-f]+\.yml$/);
  });

  // A lockfile with a git dependency: `npm ci` asks git for it, with the `git` npm is configured with.
  function npmGitFixture(): string {
    const dir = workdir();
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "p", version: "1.0.0", dependencies: { foo: "git+https://git.example.invalid/foo.git" } }),
    );
    const lock = {
      name: "p",
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: {
        "": { name: "p", version: "1.0.0", dependencies: { foo: "git+https://git.example.invalid/foo.git" } },
        "node_modules/foo": {
          version: "1.0.0",
          resolved: "git+https://git.example.invalid/foo.git#0123456789abcdef0123456789abcdef01234567",
          license: "MIT",
        },
      },
    };
    writeFileSync(path.join(dir, "package-lock.json"), JSON.stringify(lock));
    writeFileSync(path.join(dir, ".npmrc"), "git=./evil.sh\n");
    writeFileSync(path.join(dir, "evil.sh"), '#!/bin/sh\necho "$@" >> "$(dirname "$0")/EVIL_RAN"\nexit 1\n');
    chmodSync(path.join(dir, "evil.sh"), 0o755);
    return dir;
  }

  it("the fixture is a real attack: plain `npm ci --ignore-scripts` runs the repository's git=./evil.sh", () => {
    const dir = npmGitFixture();
    mkdirSync(path.join(dir, "home"));
    spawnSync("npm", ["ci", "--ignore-scripts", "--offline"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: path.join(dir, "home") },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(readFileSync(path.join(dir, "EVIL_RAN"), "utf8")).toContain("ls-remote");
  });

  it.skipIf(sandbox === "none")(
    "a repository's .npmrc git=./evil.sh does not run under `npm ci --ignore-scripts` in a network step",
    async () => {
      const dir = npmGitFixture();
      const r = await runCommand({
        command: ["npm", "ci", "--ignore-scripts"],
        workdir: dir,
        home: path.join(workdir(), "home"),
        timeoutMs: 120_000,
        maxOutputBytes: 1 << 20,
        sandbox,
        network: true,
        egress: { allow: [], allowPrivate: [] },
      });
      expect(existsSync(path.join(dir, "EVIL_RAN"))).toBe(false);
      // npm asked the system git, which could not reach a host nobody allowlisted.
      expect(r.output).toMatch(/\/git --no-replace-objects ls-remote/);
      expect(r.exitCode).not.toBe(0);
    },
  );

  it.skipIf(sandbox === "none")(
    "a HOME outside the worktree: files a repository ships in .sentinel-home are not the fixer's HOME",
    async () => {
      const dir = workdir();
      mkdirSync(path.join(dir, ".sentinel-home"));
      writeFileSync(path.join(dir, ".sentinel-home", ".gitconfig"), "[user]\n\tname = planted-by-the-repository\n");
      const home = path.join(workdir(), "home");
      const r = await runCommand({
        command: [
          "sh",
          "-c",
          'echo "HOME=$HOME"; git config --global user.name || echo no-name; echo ok > "$HOME/written"',
        ],
        workdir: dir,
        home,
        timeoutMs: 20_000,
        maxOutputBytes: 1 << 20,
        sandbox,
      });
      expect(r.output).toContain(`HOME=${home}`);
      expect(r.output).toContain("no-name");
      expect(readFileSync(path.join(home, "written"), "utf8")).toBe("ok\n");
    },
  );
});

/** The npm registry this machine is configured with; its host is read here, never written down. */
function npmRegistry(): string {
  return spawnSync("npm", ["config", "get", "registry"], { encoding: "utf8" }).stdout.trim();
}

async function registryReachable(): Promise<boolean> {
  try {
    const res = await fetch(npmRegistry(), { signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
    return true;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (process.env.CI === "true")
      throw new Error(`the npm registry is required in CI but unreachable: ${why}`, { cause: error });
    console.warn(`\n!!! the npm registry is unreachable (${why}); the real-registry egress test is SKIPPED.\n`);
    return false;
  }
}
const registryUp = sandbox === "none" ? false : await registryReachable();

describe.skipIf(!registryUp)("the real npm registry through the egress proxy", () => {
  it("answers `npm view` in a network step allowed only the configured registry", async () => {
    const refused: EgressRefusal[] = [];
    const r = await run(["npm", "view", "is-number", "version"], {
      egress: egressFromEnv({}),
      home: path.join(workdir(), "home"),
      onEgressRefused: (x) => refused.push(x),
      timeoutMs: 120_000,
    });
    expect(r.output).toMatch(/^\d+\.\d+\.\d+$/m);
    expect(r.exitCode).toBe(0);
    expect(refused).toEqual([]);
  });

  it("refuses the same registry when it is not allowlisted", async () => {
    const r = await run(["npm", "view", "is-number", "version", "--fetch-retries=0"], {
      egress: { allow: [parseHostRule("other.example.invalid")], allowPrivate: [] },
      home: path.join(workdir(), "home"),
      timeoutMs: 120_000,
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.egressRefusals).toBeGreaterThan(0);
  });
});
