import { spawnSync } from "node:child_process";
import { describe, expect, it, vi } from "vitest";

// `sentinel fix` probes bubblewrap while its store opens, instead of blocking on two bwrap
// processes after it: probeSandbox must give the answers the blocking probes give.

const bwrapWorks = (extra: string[]) =>
  spawnSync(
    "bwrap",
    ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent", ...extra, "true"],
    { stdio: "ignore" },
  ).status === 0;

describe("probing the sandbox without blocking", () => {
  it("finds what bwrap can do here, and detectSandbox then answers the same without asking again", async () => {
    vi.resetModules();
    const fresh = await import("../../src/sandbox/bubblewrap-args.js");
    const mode = await fresh.probeSandbox();
    expect(mode).toBe(bwrapWorks([]) ? "bubblewrap" : "none");
    expect(fresh.detectSandbox()).toBe(mode);
  });

  it("forbids new user namespaces inside the sandbox exactly when this bwrap can", async () => {
    vi.resetModules();
    const fresh = await import("../../src/sandbox/bubblewrap-args.js");
    await fresh.probeSandbox();
    const args = fresh.bubblewrapArgs({ command: ["true"], workdir: "/tmp", tmpBytes: 1 << 20 }, {});
    expect(args.includes("--disable-userns")).toBe(bwrapWorks(["--unshare-user", "--disable-userns"]));
  });
});
