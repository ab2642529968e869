import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { loadBuiltinRecipes } from "../../src/agents/index.js";

/**
 * The program each builtin recipe runs, how to ask it for its version, and where CI gets it.
 * A recipe whose tool is missing cannot fix anything, and its end-to-end test would not run.
 */
const TOOLS: Readonly<Record<string, { readonly probe: readonly string[]; readonly from: string }>> = {
  "autopep8-whitespace": { probe: ["autopep8", "--version"], from: ".ci/run: Debian python3-autopep8" },
  black: { probe: ["black", "--version"], from: ".ci/run: Debian black" },
  "cargo-clippy-fix": { probe: ["cargo", "clippy", "--version"], from: "the machine's rustup toolchain" },
  "cargo-fmt": { probe: ["cargo", "fmt", "--version"], from: "the machine's rustup toolchain" },
  "cargo-update": { probe: ["cargo", "--version"], from: "the machine's rustup toolchain" },
  "clang-format": { probe: ["clang-format", "--version"], from: ".ci/run: Debian clang-format" },
  // The project's own ESLint and Prettier come from its lockfile; the recipe needs npm and npx.
  "eslint-fix": { probe: ["npx", "--version"], from: "the machine's Node.js" },
  "go-mod-tidy": { probe: ["go", "version"], from: ".ci/run: Debian golang-go" },
  // gofmt has no version flag; on PATH is what the recipe needs.
  gofmt: { probe: ["sh", "-c", "command -v gofmt"], from: ".ci/run: Debian golang-go" },
  isort: { probe: ["isort", "--version"], from: ".ci/run: Debian isort" },
  "npm-lockfile-sync": { probe: ["npm", "--version"], from: "the machine's Node.js" },
  "pnpm-lockfile-sync": { probe: ["pnpm", "--version"], from: ".ci/run: npm install -g pnpm@10.34.9" },
  "prettier-write": { probe: ["npx", "--version"], from: "the machine's Node.js" },
  "ruff-fix": { probe: ["ruff", "--version"], from: "nowhere reachable (below)" },
  shfmt: { probe: ["shfmt", "--version"], from: ".ci/run: Debian shfmt" },
  "terraform-fmt": { probe: ["terraform", "version"], from: "the machine's /usr/local/bin/terraform (below)" },
  "yarn-lockfile-sync": { probe: ["yarn", "--version"], from: ".ci/run: npm install -g yarn@1.22.22" },
};

/**
 * Tools that cannot be installed where CI runs, each with the reason; only these may be missing
 * under CI=true. ruff: Debian 12 has no package, the npm registry ships no native ruff binary
 * (only a WebAssembly library without the CLI), and PyPI and crates.io are not reachable.
 * terraform: in neither Debian nor the npm registry; this project's machines carry it, and its
 * recipe's test runs only where it is.
 */
const NOT_INSTALLABLE: Readonly<Record<string, string>> = {
  "ruff-fix": "ruff is in neither Debian 12 nor the npm registry, and PyPI is not reachable",
  "terraform-fmt": "terraform is in neither Debian nor the npm registry",
};

function runs(probe: readonly string[]): boolean {
  try {
    execFileSync(probe[0]!, probe.slice(1), { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("every builtin recipe's tool", () => {
  it("is listed here with where CI gets it", async () => {
    const ids = (await loadBuiltinRecipes()).recipes.map((r) => r.id).sort();
    expect(Object.keys(TOOLS).sort()).toEqual(ids);
  });

  it.each(Object.entries(TOOLS))("%s: runs here, or the run fails under CI=true", (id, tool) => {
    if (runs(tool.probe)) return;
    const why = NOT_INSTALLABLE[id];
    if (process.env.CI === "true" && !why)
      expect.fail(
        `\`${tool.probe.join(" ")}\` fails: recipe ${id} is required in CI; its tool comes from ${tool.from}`,
      );
    console.warn(
      `\n!!! \`${tool.probe.join(" ")}\` fails: the ${id} recipe cannot fix anything here (${why ?? tool.from}).\n`,
    );
  });
});
