import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectSandbox } from "../../src/sandbox/index.js";
import { git } from "../support/git-repos.js";
import { runCli } from "../support/run-cli.js";

// The store host's socket (<folder>.sock) answers any process of this user that can reach it:
// the ledger, approvals and tiers are behind it. A fixer runs the repository's code, so the
// sandbox must not show it the socket. (Under /var/tmp, not /tmp: the sandbox's private /tmp
// would hide it whatever else it shows.)
const sandbox = detectSandbox();
if (sandbox === "none" && process.env.CI === "true")
  throw new Error("bubblewrap is required in CI (.ci/run installs it)");
if (sandbox === "none")
  console.warn("\n!!! bubblewrap is not available: the store socket's sandbox test is SKIPPED.\n");

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(sandbox === "none")("the CLI's store host socket", () => {
  it("is out of reach of the commands a run executes in the sandbox", async () => {
    const root = mkdtempSync("/var/tmp/sentinel-socket-");
    dirs.push(root);
    const repo = path.join(root, "repo");
    const data = path.join(root, "data", "pglite");
    git(root, "init", "-q", "-b", "main", repo);
    // The repository's "check" tries the socket, as hostile code in a fixer or a test would.
    writeFileSync(
      path.join(repo, "probe.mjs"),
      [
        'import net from "node:net";',
        "const s = net.connect(process.argv[2]);",
        's.on("connect", () => { console.log("REACHED the store host"); process.exit(1); });',
        's.on("error", (e) => { console.log(`error: store host not reachable (${e.code})`); process.exit(1); });',
        "",
      ].join("\n"),
    );
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "probe");
    const r = await runCli(["fix", "--repo", repo, "--command", `node probe.mjs ${data}.sock`, "--data-dir", data]);
    expect(r.stdout).toContain("store host not reachable (ENOENT)");
    expect(r.stdout).not.toContain("REACHED");
  }, 120_000);
});
