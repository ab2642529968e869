import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface Toolchains {
  /** Read-only paths the sandbox must show (toolchains installed under the user's home). */
  readonly readOnlyPaths: string[];
  /** Environment the toolchains need (not secrets: where they live). */
  readonly env: Record<string, string>;
}

/**
 * Toolchains installed per user (rustup's ~/.cargo and ~/.rustup, Go under /usr/local/go) are
 * outside the sandbox's system folders and the fixer's HOME is the workspace, so they are named
 * explicitly: read-only, with the variables that tell them where they are.
 */
export function detectToolchains(home = os.homedir()): Toolchains {
  const readOnlyPaths: string[] = [];
  const env: Record<string, string> = {};
  const pathDirs: string[] = [];
  const cargoHome = process.env.CARGO_HOME ?? path.join(home, ".cargo");
  const rustupHome = process.env.RUSTUP_HOME ?? path.join(home, ".rustup");
  if (existsSync(path.join(cargoHome, "bin"))) {
    readOnlyPaths.push(cargoHome);
    env.CARGO_HOME = cargoHome;
    pathDirs.push(path.join(cargoHome, "bin"));
    if (existsSync(rustupHome)) {
      readOnlyPaths.push(rustupHome);
      env.RUSTUP_HOME = rustupHome;
    }
  }
  for (const goRoot of ["/usr/local/go"]) {
    if (existsSync(path.join(goRoot, "bin", "go"))) {
      pathDirs.push(path.join(goRoot, "bin"));
      env.GOFLAGS = "-mod=mod";
    }
  }
  // A worktree's .git names the mirror, which the sandbox does not show, so `go build` (a
  // recipe's VERIFY re-running CI's build) would fail stamping VCS information into the binary.
  if (env.GOFLAGS || ["/usr/bin/go", "/usr/lib/go/bin/go"].some((go) => existsSync(go)))
    env.GOFLAGS = [env.GOFLAGS, "-buildvcs=false"].filter(Boolean).join(" ");
  if (pathDirs.length > 0)
    env.PATH = [
      ...pathDirs,
      path.dirname(process.execPath),
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ].join(":");
  return { readOnlyPaths, env };
}
