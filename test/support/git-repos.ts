import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Dev",
  GIT_AUTHOR_EMAIL: "dev@example.invalid",
  GIT_COMMITTER_NAME: "Dev",
  GIT_COMMITTER_EMAIL: "dev@example.invalid",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: ENV, encoding: "utf8" }).trim();
}

/**
 * A real repository served from a bare repo on disk (the "remote"), with one commit of `files`
 * (its working copy is `<root>/src`). `at` puts the bare repository there instead of in `root`
 * (a forge's git server's folder: see forge-git.ts).
 */
export function bareRemote(
  files: Readonly<Record<string, string>>,
  o: { at?: string } = {},
): { root: string; remote: string; sha: string } {
  const root = mkdtempSync(path.join(tmpdir(), "sentinel-git-"));
  const src = path.join(root, "src");
  mkdirSync(src);
  git(src, "init", "-q", "-b", "main");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(src, name)), { recursive: true });
    writeFileSync(path.join(src, name), text);
  }
  git(src, "add", "-A");
  git(src, "commit", "-q", "-m", "initial");
  const remote = o.at ?? path.join(root, "remote.git");
  git(root, "clone", "-q", "--bare", src, remote);
  return { root, remote, sha: git(src, "rev-parse", "HEAD") };
}

/** A repository of its own in a temporary folder, with one commit of `files` on main (the caller removes `dir`). */
export function localRepo(
  files: Readonly<Record<string, string>>,
  prefix = "sentinel-repo-",
): { dir: string; sha: string } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  git(dir, "init", "-q", "-b", "main");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return { dir, sha: git(dir, "rev-parse", "HEAD") };
}

/** A Rust crate named `name` whose one source file `cargo fmt` would change (by default). */
export function rustCrate(name: string, source = 'fn main(){println!("hi");}\n'): { dir: string; sha: string } {
  return localRepo(
    {
      "Cargo.toml": `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n`,
      "src/main.rs": source,
      ".gitignore": "target/\n",
    },
    `sentinel-${name}-`,
  );
}
