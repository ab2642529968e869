import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, RunStore } from "../../src/store/index.js";
import { git, localRepo, rustCrate } from "../support/git-repos.js";
import { fixerTool } from "../support/fixer-tools.js";
import { eslintProject } from "../support/js-projects.js";
import { runCli } from "../support/run-cli.js";
import { hasCargoFmt } from "../support/toolchains.js";

// The README's `sentinel fix --command` lines, run as written on a project of each ecosystem:
// the examples are what a user copies first, so each must work on a fresh machine.
const README = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../README.md"), "utf8");

interface Example {
  dir: string;
  command: string;
  language: string;
}

/** `npx sentinel fix --repo ../<dir> --command "<cmd>"   # <Language>: …` lines of the README's CLI block. */
function readmeExamples(): Example[] {
  const line = /^npx sentinel fix --repo \.\.\/(\S+) --command (?:"([^"]*)"|'([^']*)')\s+# (\w+):/gm;
  return [...README.matchAll(line)].map((m) => ({
    dir: m[1] as string,
    command: (m[2] ?? m[3]) as string,
    language: m[4] as string,
  }));
}

const dirs: string[] = [];
const scratch = (prefix: string) => {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const example = (language: string): Example => {
  const found = readmeExamples().find((e) => e.language === language);
  if (!found) throw new Error(`the README has no \`sentinel fix --command\` example for ${language}`);
  return found;
};

async function fix(repo: string, command: string, data: string) {
  const r = await runCli(["fix", "--repo", repo, "--command", command, "--data-dir", data, "--format", "json"]);
  return {
    code: r.code,
    out: JSON.parse(r.stdout) as { runId: string; status: string; agentId?: string; branch?: string },
  };
}

const kinds = (ledger: Array<{ kind: string; data: Record<string, unknown> }>, kind: string) =>
  ledger.filter((e) => e.kind === kind).map((e) => e.data);

describe("the README's `sentinel fix` examples", () => {
  it("show a JavaScript, a Python, a Go and a Rust project", () => {
    expect(readmeExamples().map((e) => e.language)).toEqual(["Rust", "JavaScript", "Python", "Go"]);
  });

  it.skipIf(!hasCargoFmt)(
    "Rust: fixes the crate's formatting onto a sentinel/ branch, with a commit message a person would write",
    async () => {
      const { command } = example("Rust");
      const { dir: repo } = rustCrate("readme");
      dirs.push(repo);
      const root = scratch("sentinel-readme-rust-");
      const r = await runCli(["fix", "--repo", repo, "--command", command, "--data-dir", path.join(root, "pglite")]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/local pull request #1: Format src\/main.rs with cargo fmt \(/);
      const branch = /branch: (sentinel\/fix-[0-9a-f]+)/.exec(r.stdout)?.[1] as string;
      expect(git(repo, "show", `${branch}:src/main.rs`)).toBe('fn main() {\n    println!("hi");\n}');
      // cargo's "Diff in <file>" names the file as the repository does, not the sandbox's path.
      const message = git(repo, "log", "-1", "--format=%B", branch);
      expect(message).toMatch(/^Format src\/main\.rs with cargo fmt\n/);
      expect(message).toContain("Diff in src/main.rs");
      expect(message).not.toContain(root);
      expect(readFileSync(path.join(repo, "src/main.rs"), "utf8")).toBe('fn main(){println!("hi");}\n');
    },
  );

  it("JavaScript: installs ESLint from the registry, fixes `npm run lint`, and installs offline from the repository's cache the next time", async () => {
    const { command } = example("JavaScript");
    const project = eslintProject(scratch("sentinel-readme-js-"));
    if (!project) return;
    const manifest = JSON.parse(readFileSync(path.join(project.dir, "package.json"), "utf8")) as object;
    writeFileSync(
      path.join(project.dir, "package.json"),
      JSON.stringify({ ...manifest, scripts: { lint: "eslint ." } }, null, 2) + "\n",
    );
    git(project.dir, "commit", "-q", "-am", "lint script");
    const data = path.join(scratch("sentinel-readme-js-data-"), "pglite");
    const first = await fix(project.dir, command, data);
    const second = await fix(project.dir, command, data);
    expect([first.code, first.out.status, first.out.agentId]).toEqual([0, "proposed", "eslint-fix"]);
    expect(git(project.dir, "show", `${first.out.branch}:index.js`)).toBe(
      "const a = 1;\nconst b = 2;\nconsole.log(a + b);",
    );
    const db = await openDatabase({ dataDir: data });
    try {
      const runs = new RunStore(db);
      const firstLedger = await runs.ledger(first.out.runId);
      expect(kinds(firstLedger, "diagnosis")).toEqual([expect.objectContaining({ category: "lint", tool: "eslint" })]);
      expect(kinds(firstLedger, "install")).toEqual([expect.objectContaining({ mode: "online", exitCode: 0 })]);
      // ESLint's 86 packages, from the cache the first run filled: the registry is not asked.
      expect(kinds(await runs.ledger(second.out.runId), "install")).toEqual([
        expect.objectContaining({ mode: "offline", exitCode: 0 }),
      ]);
    } finally {
      await db.close();
    }
  }, 240_000);

  it.skipIf(!fixerTool("black", ["--version"], "black"))(
    "Python: formats the checked paths with black and leaves a file outside them alone",
    async () => {
      const { command } = example("Python");
      const ugly = "x = {  'a':37,'b':42,\n'c':927}\n";
      const { dir: repo } = localRepo(
        {
          "src/app.py": ugly,
          "tests/test_app.py": "import app\n",
          "docs/conf.py": ugly,
          "pyproject.toml": "[tool.black]\nline-length = 100\n",
        },
        "sentinel-readme-py-",
      );
      dirs.push(repo);
      const { code, out } = await fix(repo, command, path.join(scratch("sentinel-readme-py-data-"), "pglite"));
      expect([code, out.status, out.agentId]).toEqual([0, "proposed", "black"]);
      expect(git(repo, "diff", "--name-only", `HEAD..${out.branch}`)).toBe("src/app.py");
      expect(git(repo, "show", `${out.branch}:src/app.py`)).toBe('x = {"a": 37, "b": 42, "c": 927}');
    },
  );

  it.skipIf(!fixerTool("go", ["version"], "golang-go"))("Go: fixes the files the check's gofmt -l lists", async () => {
    const { command } = example("Go");
    const { dir: repo } = localRepo(
      {
        "go.mod": "module example.com/demo\n\ngo 1.19\n",
        "main.go": 'package main\n\nimport "fmt"\n\nfunc main() {\nfmt.Println( "hi" )\n}\n',
        "util.go": "package main\n\nfunc add(a, b int) int { return a + b }\n",
      },
      "sentinel-readme-go-",
    );
    dirs.push(repo);
    const { code, out } = await fix(repo, command, path.join(scratch("sentinel-readme-go-data-"), "pglite"));
    expect([code, out.status]).toEqual([0, "proposed"]);
    expect(git(repo, "diff", "--name-only", `HEAD..${out.branch}`)).toBe("main.go");
    expect(git(repo, "show", `${out.branch}:main.go`)).toBe(
      'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}',
    );
  });
});
