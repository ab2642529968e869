// The repositories the faults bench fixes: real git repositories whose remotes are bare repos on
// disk under remotes/<owner>/, served over HTTP by the GitHub stand-in as a GitHub Enterprise
// Server serves git on its own host (Sentinel builds remotes from GHE_HOST, not from payloads). Fixable ones are small
// Rust crates with one badly formatted module each (`cargo fmt --all --check` fails, with output
// that differs per crate, so each failure has its own fingerprint); non-fixable ones are small
// JavaScript projects whose jest test fails (Sentinel diagnoses it; no agent fixes tests).
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { OWNER } from "./deliveries.mjs";

const execFileP = promisify(execFile);
export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Dev",
  GIT_AUTHOR_EMAIL: "dev@example.invalid",
  GIT_COMMITTER_NAME: "Dev",
  GIT_COMMITTER_EMAIL: "dev@example.invalid",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
};

export function git(cwd, ...args) {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export async function gitAsync(cwd, ...args) {
  const { stdout } = await execFileP("git", args, { cwd, env: GIT_ENV, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** "aa", "ab", …: a per-crate identifier with no digits (fingerprints ignore numbers). */
export function letters(i) {
  const a = "abcdefghijklmnopqrstuvwxyz";
  return a[Math.floor(i / 26) % 26] + a[i % 26] + (i >= 676 ? a[Math.floor(i / 676) % 26] : "");
}

/** A repository: files committed on main (and on `branches`), and a bare clone as its remote. */
function makeRepo(root, name, files, branches = []) {
  const src = path.join(root, "src", name);
  mkdirSync(src, { recursive: true });
  git(src, "init", "-q", "-b", "main");
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(src, file)), { recursive: true });
    writeFileSync(path.join(src, file), text);
  }
  git(src, "add", "-A");
  git(src, "commit", "-q", "-m", "initial");
  for (const b of branches) git(src, "branch", b);
  const remote = path.join(root, "remotes", OWNER, `${name}.git`);
  mkdirSync(path.dirname(remote), { recursive: true });
  git(root, "clone", "-q", "--bare", src, remote);
  return { src, remote, sha: git(src, "rev-parse", "HEAD") };
}

/** A crate whose module `src/<module>.rs` is badly formatted; main.rs is formatted as rustfmt wants. */
export function makeCrate(root, i, branches) {
  const id = letters(i);
  const name = `crate-${id}`;
  const module = `gauge_${id}`;
  const files = {
    "Cargo.toml": `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n`,
    "src/main.rs": `mod ${module};\n\nfn main() {\n    ${module}::run();\n}\n`,
    [`src/${module}.rs`]: `pub fn run(){let total_${id}=1;println!("{}",total_${id});}\n`,
    ".gitignore": "target/\n",
  };
  return { name, module, ...makeRepo(root, name, files, branches) };
}

/** A JavaScript project whose jest test fails. */
export function makeJestProject(root, i, branches) {
  const id = letters(i);
  const name = `webapp-${id}`;
  const files = {
    "package.json":
      JSON.stringify(
        { name, version: "1.0.0", private: true, scripts: { test: "jest" }, devDependencies: { jest: "^29.7.0" } },
        null,
        2,
      ) + "\n",
    "sum.js": "function sum(a, b) {\n  return a - b;\n}\nmodule.exports = sum;\n",
    "sum.test.js":
      "const sum = require('./sum');\n\ntest('adds 1 + 2 to equal 3', () => {\n  expect(sum(1, 2)).toBe(3);\n});\n",
  };
  return { name, ...makeRepo(root, name, files, branches) };
}

/**
 * Runs `cargo fmt --all --check` on the tree of `commit` in a bare repo (extracted with git
 * archive into a scratch dir). Returns its exit code and output, with the scratch path replaced by
 * `replaceRoot` when given (to turn it into what a CI runner would have printed).
 */
export async function cargoFmtCheck(remote, commit, scratchRoot, replaceRoot) {
  const dir = mkdtempSync(path.join(scratchRoot, "fmt-"));
  try {
    const tar = path.join(dir, "tree.tar");
    await execFileP("git", ["archive", "--format=tar", "-o", tar, commit], { cwd: remote, env: GIT_ENV });
    const tree = path.join(dir, "tree");
    mkdirSync(tree);
    await execFileP("tar", ["-xf", tar, "-C", tree]);
    try {
      const { stdout, stderr } = await execFileP("cargo", ["fmt", "--all", "--check", "--", "--color", "never"], {
        cwd: tree,
        encoding: "utf8",
      });
      return { exitCode: 0, output: stdout + stderr };
    } catch (error) {
      let output = String(error.stdout ?? "") + String(error.stderr ?? "");
      if (replaceRoot) output = output.split(tree).join(replaceRoot);
      return { exitCode: typeof error.code === "number" ? error.code : 1, output };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `cargo fmt --all --check` over many crates at once: the tree of each { name, remote, commit } is
 * extracted (git archive) as a member of one scratch Cargo workspace, and cargo fmt runs once, as
 * it would in each crate alone (the workspace only saves a cargo start per crate). Returns, per
 * name, whether its files pass and what cargo fmt printed about them, with the member's path
 * replaced by `rootFor(name)` when given (what a CI runner checking the crate out would print).
 */
export async function cargoFmtCheckMany(entries, scratchRoot, rootFor) {
  const ws = mkdtempSync(path.join(scratchRoot, "fmt-ws-"));
  try {
    for (const e of entries) {
      const dir = path.join(ws, e.name);
      mkdirSync(dir);
      const tar = path.join(ws, `${e.name}.tar`);
      await execFileP("git", ["archive", "--format=tar", "-o", tar, e.commit], { cwd: e.remote, env: GIT_ENV });
      await execFileP("tar", ["-xf", tar, "-C", dir]);
      rmSync(tar);
    }
    writeFileSync(
      path.join(ws, "Cargo.toml"),
      `[workspace]\nresolver = "2"\nmembers = [${entries.map((e) => JSON.stringify(e.name)).join(", ")}]\n`,
    );
    let output = "";
    let exitCode = 0;
    try {
      const { stdout, stderr } = await execFileP("cargo", ["fmt", "--all", "--check", "--", "--color", "never"], {
        cwd: ws,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      output = stdout + stderr;
    } catch (error) {
      exitCode = typeof error.code === "number" ? error.code : 1;
      output = String(error.stdout ?? "") + String(error.stderr ?? "");
    }
    // Each "Diff in <member>/<file>:<line>:" block belongs to that member.
    const results = new Map(entries.map((e) => [e.name, { ok: true, output: "" }]));
    let current = null;
    for (const line of output.split("\n")) {
      const m = /^Diff in (.+?):\d+:$/.exec(line);
      if (m) {
        const rel = path.relative(ws, m[1]);
        current = rel.split(path.sep)[0];
        if (!results.has(current)) current = null;
      }
      if (current) {
        const r = results.get(current);
        r.ok = false;
        r.output += (rootFor ? line.split(path.join(ws, current)).join(rootFor(current)) : line) + "\n";
      }
    }
    // Anything else wrong (a file rustfmt cannot parse, cargo refusing the workspace) fails them all.
    for (const r of results.values()) r.output = r.output.replace(/\n+$/, "\n");
    const unexplained = exitCode !== 0 && [...results.values()].every((r) => r.ok);
    if (unexplained) for (const r of results.values()) Object.assign(r, { ok: false, output });
    return results;
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}

/** A job log as GitHub Actions prints it: timestamps, the step group, the tool's output, the exit line. */
export function actionsLog(step, output, exitCode = 1) {
  let t = Date.UTC(2026, 10, 22, 9, 0, 0);
  const stamp = () => new Date((t += 7)).toISOString().replace("Z", "0000Z");
  const lines = [
    `##[group]Run ${step}`,
    step,
    "##[endgroup]",
    ...output.replace(/\n$/, "").split("\n"),
    `##[error]Process completed with exit code ${exitCode}.`,
  ];
  return lines.map((l) => `${stamp()} ${l}`).join("\n") + "\n";
}

export function readFixture(root, rel) {
  return readFileSync(path.join(root, rel), "utf8");
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function inParallel(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}
