import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deriveFix, loadBuiltinRecipes, ownRules, type Recipe } from "../../src/agents/index.js";
import { git, localRepo, rustCrate } from "../support/git-repos.js";
import { runCli } from "../support/run-cli.js";
import { hasCargoFmt } from "../support/toolchains.js";
import { newRecipe } from "./support/derive-for-new-recipes.js";
import { agentFor, byHand, diagnose, hasTool, repoOf, runPlan, type Repo } from "./support/scoped-fix-case.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const hasBlack = hasTool("black");
const hasIsort = hasTool("isort");
const hasGofmt = hasTool("go", ["version"]);
const hasShfmt = hasTool("shfmt");
const hasClangFormat = hasTool("clang-format");

// Each case: a real project whose config or check command leaves misformatted files unchecked;
// the real check fails; the recipe's fix, derived from that check, must change exactly the files
// the check reported, and change them exactly as the tool does when run by hand on those files.
async function expectScoped(o: {
  files: Record<string, string>;
  check: string;
  recipe: string;
  byHand: (reported: string[]) => string[];
  nodeModules?: boolean;
  failing?: string[] | null;
  extra?: Recipe[];
}): Promise<{ repo: Repo; planned: string[][]; reported: string[] }> {
  const repo = repoOf(o.files, dirs, o);
  const { diagnosis, reported } = await diagnose(repo, o.check);
  expect(reported.length).toBeGreaterThan(0);
  const planned = runPlan(
    await agentFor(o.recipe, o.extra),
    repo,
    diagnosis,
    o.failing === undefined ? ["sh", "-c", o.check] : o.failing,
  );
  expect(repo.changed()).toEqual(reported);
  const hand = repoOf(o.files, dirs, o);
  byHand(hand, o.byHand(reported));
  expect(hand.changed()).toEqual(reported);
  for (const f of reported) expect(repo.read(f), f).toBe(hand.read(f));
  expect(repo.sh(o.check).status).toBe(0);
  return { repo, planned, reported };
}

const UGLY_PY = "import os\ndef f( a,b ):\n  return os.path.join(a,b)\n";
const FINE_PY = "def g(a, b):\n    return a + b\n";

describe.skipIf(!hasBlack)("black's fix stays inside what `black --check` checked", () => {
  it("leaves the files pyproject.toml's extend-exclude and the command's paths leave out", async () => {
    const { planned, reported } = await expectScoped({
      files: {
        "pyproject.toml": '[tool.black]\nextend-exclude = "src/generated"\n',
        "setup.py": UGLY_PY,
        "src/app.py": UGLY_PY,
        "src/ok.py": FINE_PY,
        "src/generated/gen.py": UGLY_PY,
        "tests/test_app.py": UGLY_PY,
        "scripts/tool.py": UGLY_PY,
      },
      check: "black --check setup.py src tests",
      recipe: "black",
      byHand: (files) => ["black", ...files],
    });
    expect(reported).toEqual(["setup.py", "src/app.py", "tests/test_app.py"]);
    expect(planned).toEqual([["black", "setup.py", "src", "tests"]]);
  });

  it("keeps an --extend-exclude given on the command line (the measured case)", async () => {
    const { planned } = await expectScoped({
      files: {
        "setup.py": UGLY_PY,
        "src/app.py": UGLY_PY,
        "src/legacy/old.py": UGLY_PY,
        "tests/test_app.py": UGLY_PY,
        "docs/conf.py": UGLY_PY,
      },
      check: "black --check setup.py src tests --extend-exclude '/legacy/'",
      recipe: "black",
      byHand: (files) => ["black", ...files],
    });
    expect(planned).toEqual([["black", "setup.py", "src", "tests", "--extend-exclude", "/legacy/"]]);
    // What the recipe ran before: `black .` rewrites files CI never checked.
    const before = repoOf({ "src/legacy/old.py": UGLY_PY, "docs/conf.py": UGLY_PY }, dirs);
    byHand(before, ["black", "."]);
    expect(before.changed()).toEqual(["docs/conf.py", "src/legacy/old.py"]);
  });

  it("falls back to exactly the reported files when the check cannot be read as plain words", async () => {
    const { planned } = await expectScoped({
      files: { "src/app.py": UGLY_PY, "src/b.py": UGLY_PY, "scripts/tool.py": UGLY_PY },
      check: "black --check $(echo src)",
      recipe: "black",
      byHand: (files) => ["black", ...files],
    });
    expect(planned).toEqual([["black", "--", "src/app.py", "src/b.py"]]);
  });
});

describe("prettier's and ESLint's fixes stay inside what their checks checked", () => {
  const UGLY_JS = "const greet = (name)=>{return 'hello '+name}\nmodule.exports = {greet}\n";
  const LINT_JS = "let a = 1\nconsole.log(a)\n";

  it("prettier --check src with a .prettierignore leaves the ignored and the unchecked files", async () => {
    const { planned } = await expectScoped({
      files: {
        "package.json": '{ "name": "demo", "private": true }\n',
        ".prettierignore": "src/vendor\n",
        "src/a.js": UGLY_JS,
        "src/vendor/v.js": UGLY_JS,
        "other/b.js": UGLY_JS,
      },
      check: "npx --no-install prettier --check src",
      recipe: "prettier-write",
      nodeModules: true,
      byHand: (files) => ["npx", "--no-install", "prettier", "--write", ...files],
    });
    expect(planned).toEqual([["npx", "--no-install", "prettier", "--write", "src"]]);
  });

  const ESLINT_FILES = {
    "package.json": JSON.stringify({ name: "demo", private: true, scripts: { lint: "eslint src" } }) + "\n",
    "eslint.config.mjs":
      'export default [{ ignores: ["src/legacy/**"] }, { files: ["**/*.js"], rules: { semi: ["error", "always"], "prefer-const": "error" } }];\n',
    "src/a.js": LINT_JS,
    "src/legacy/old.js": LINT_JS,
    "tools/t.js": LINT_JS,
  };

  it("eslint src with a flat config's ignores leaves the ignored and the unchecked files", async () => {
    const { planned } = await expectScoped({
      files: ESLINT_FILES,
      check: "npx --no-install eslint src",
      recipe: "eslint-fix",
      nodeModules: true,
      byHand: (files) => ["npx", "--no-install", "eslint", "--fix", ...files],
    });
    expect(planned).toEqual([["npx", "--no-install", "eslint", "--fix", "src"]]);
  });

  it("npm run lint is followed to its script, `eslint src`", async () => {
    const { planned } = await expectScoped({
      files: ESLINT_FILES,
      check: "npm run lint",
      recipe: "eslint-fix",
      nodeModules: true,
      byHand: (files) => ["npx", "--no-install", "eslint", "--fix", ...files],
    });
    expect(planned).toEqual([["npx", "--no-install", "eslint", "--fix", "src"]]);
  });
});

describe.skipIf(!hasCargoFmt)("cargo fmt's fix stays inside what `cargo fmt --check` checked", () => {
  const UGLY_RS = "pub fn add(a:i32,b:i32)->i32{a+b}\n";
  const member = (name: string) => `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n`;
  const WORKSPACE = {
    "Cargo.toml": '[workspace]\nmembers = ["core", "cli"]\nresolver = "2"\n',
    "core/Cargo.toml": member("core"),
    "core/src/lib.rs": `#[rustfmt::skip]\nmod raw;\n${UGLY_RS}`,
    "core/src/raw.rs": UGLY_RS,
    "core/src/stray.rs": UGLY_RS,
    "cli/Cargo.toml": member("cli"),
    "cli/src/lib.rs": UGLY_RS,
  };

  it("formats only the package -p names, not the other member, a #[rustfmt::skip] module or a file outside the module tree", async () => {
    // rustfmt.toml's `ignore` would be the config way to exclude a path, but stable rustfmt
    // ignores it ("unstable features are only available in nightly channel"): skip attributes
    // and the module tree are what a stable `cargo fmt --check` leaves out.
    const { planned, reported } = await expectScoped({
      files: WORKSPACE,
      check: "cargo fmt --check -p core",
      recipe: "cargo-fmt",
      byHand: (files) => ["rustfmt", "--edition", "2021", ...files],
    });
    expect(reported).toEqual(["core/src/lib.rs"]);
    expect(planned).toEqual([["cargo", "fmt", "-p", "core"]]);
  }, 60_000);

  it("without a command to derive from, rustfmt formats only the files the check reported", async () => {
    const { planned } = await expectScoped({
      files: WORKSPACE,
      check: "cargo fmt --check -p core",
      recipe: "cargo-fmt",
      failing: null,
      byHand: (files) => ["rustfmt", "--edition", "2021", ...files],
    });
    expect(planned[0]!.slice(3)).toEqual(["rustfmt", "core/src/lib.rs"]);
  }, 60_000);

  it("clippy's recipe refuses a check it cannot derive from, and the run says why", async () => {
    const { dir } = rustCrate(
      "declined",
      'fn main() {\n    let v = vec![1, 2];\n    println!("{}", v.len() == 0);\n}\n',
    );
    const data = mkdtempSync(path.join(tmpdir(), "sentinel-declined-data-"));
    dirs.push(dir, data);
    const r = await runCli([
      "fix",
      "--repo",
      dir,
      "--command",
      "cd . && cargo clippy --offline -- -D warnings",
      "--data-dir",
      path.join(data, "pglite"),
      "--format",
      "json",
    ]);
    const outcome = JSON.parse(r.stdout) as { status: string; reason: string };
    expect(outcome.status).toBe("no-agent");
    expect(outcome.reason).toContain("cargo-clippy-fix: no fix command could be derived: `cd .` is not a check");
    expect(git(dir, "branch", "--list", "sentinel/*")).toBe("");
  }, 180_000);
});

describe.skipIf(!hasGofmt)("gofmt's fix stays inside what the check checked", () => {
  const UGLY_GO = "package main\nfunc main(){\nprintln(1)}\n";

  it("falls back to the listed files for a check that captures `gofmt -l cmd`, leaving other packages", async () => {
    const { planned } = await expectScoped({
      files: { "go.mod": "module demo\n\ngo 1.19\n", "cmd/main.go": UGLY_GO, "tools/gen.go": UGLY_GO },
      // The recipe's own check, narrowed: CI's bare `test -z "$(gofmt -l cmd)"` prints no file name at all.
      check: 'out="$(gofmt -l cmd)"; printf "%s\n" "$out"; test -z "$out"',
      recipe: "gofmt",
      byHand: (files) => ["gofmt", "-w", ...files],
    });
    expect(planned).toEqual([["gofmt", "-w", "--", "cmd/main.go"]]);
  });
});

describe.skipIf(!hasIsort)("isort's fix stays inside what `isort --check-only` checked", () => {
  const UNSORTED = "import sys\nimport os\n\nprint(os, sys)\n";

  it("leaves the files pyproject.toml's skip_glob and the command's paths leave out", async () => {
    const { planned, reported } = await expectScoped({
      files: {
        "pyproject.toml": '[tool.isort]\nprofile = "black"\nskip_glob = ["src/gen/*"]\n',
        "src/app.py": UNSORTED,
        "src/gen/g.py": UNSORTED,
        "scripts/s.py": UNSORTED,
      },
      check: "isort --check-only src",
      recipe: "isort",
      extra: [newRecipe("isort")],
      byHand: (files) => ["isort", ...files],
    });
    expect(reported).toEqual(["src/app.py"]);
    expect(planned).toEqual([["isort", "src"]]);
  });
});

/**
 * Tools with no sentinel yet (their recipes and rules are being added): the derived command
 * alone, run for real, must change exactly the files the real check lists.
 */
async function derivedChangesListed(
  repo: Repo,
  check: string,
  listed: (output: string) => string[],
  recipe: string,
): Promise<string[][]> {
  const { status, output } = repo.sh(check);
  expect(status).not.toBe(0);
  const rules = [...(await loadBuiltinRecipes()).recipes, newRecipe(recipe)].flatMap(ownRules);
  const derived = deriveFix(["sh", "-c", check], rules, undefined);
  if ("refused" in derived) throw new Error(derived.refused);
  for (const c of derived.commands) byHand(repo, [...c.argv]);
  expect(repo.changed()).toEqual(listed(output));
  expect(repo.sh(check).status).toBe(0);
  return derived.commands.map((c) => [...c.argv]);
}

describe("shfmt's and clang-format's derived fixes change exactly what their checks list", () => {
  it.skipIf(!hasShfmt)("shfmt -l -i 2 scripts leaves the unchecked ci/ folder", async () => {
    const ugly = "#!/bin/sh\nif true; then\necho hi\nfi\n";
    const repo = repoOf({ "scripts/a.sh": ugly, "scripts/ok.sh": "#!/bin/sh\necho ok\n", "ci/b.sh": ugly }, dirs);
    // `shfmt -l` lists and exits 0; CI fails on it with -d, which also exits 1.
    const argv = await derivedChangesListed(
      repo,
      "shfmt -d -i 2 scripts",
      (out) => [...new Set([...out.matchAll(/^--- (\S+)\.orig$/gm)].map((m) => m[1]!))].sort(),
      "shfmt",
    );
    expect(argv).toEqual([["shfmt", "-w", "-i", "2", "scripts"]]);
  });

  it.skipIf(!hasClangFormat)("clang-format --dry-run -Werror on named files leaves the others", async () => {
    const ugly = "int  main( ){return 0;}\n";
    const repo = repoOf({ "src/a.c": ugly, "src/b.c": ugly, "third_party/c.c": ugly }, dirs);
    const argv = await derivedChangesListed(
      repo,
      "clang-format --dry-run -Werror --style=LLVM src/a.c",
      (out) => [...new Set([...out.matchAll(/^(\S+?):\d+:\d+: error/gm)].map((m) => m[1]!))].sort(),
      "clang-format",
    );
    expect(argv).toEqual([["clang-format", "-i", "--style=LLVM", "src/a.c"]]);
  });
});

describe.skipIf(!hasBlack)("the governed pipeline on the measured black failure", () => {
  it("proposes a fix that changes exactly what `black --check setup.py src tests --extend-exclude …` reported", async () => {
    const { dir } = localRepo(
      {
        "setup.py": UGLY_PY,
        "src/app.py": UGLY_PY,
        "src/legacy/old.py": UGLY_PY,
        "tests/test_app.py": FINE_PY,
        "docs/conf.py": UGLY_PY,
      },
      "sentinel-black-scoped-",
    );
    const data = mkdtempSync(path.join(tmpdir(), "sentinel-black-data-"));
    dirs.push(dir, data);
    const check = "black --check setup.py src tests --extend-exclude '/legacy/'";
    const r = await runCli([
      "fix",
      "--repo",
      dir,
      "--command",
      check,
      "--data-dir",
      path.join(data, "pglite"),
      "--format",
      "json",
    ]);
    const outcome = JSON.parse(r.stdout) as { status: string; agentId: string; branch: string };
    expect(outcome).toMatchObject({ status: "proposed", agentId: "black" });
    expect(git(dir, "diff", "--name-only", `HEAD..${outcome.branch}`).split("\n")).toEqual(["setup.py", "src/app.py"]);
  }, 120_000);
});
