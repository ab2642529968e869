import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Packs a tiny package `name@version` with `npm pack` into `dest` and returns the tarball's file
 * name: a dependency a project can vendor (`file:vendor/<tarball>`), so its package manager
 * installs and locks it without any registry.
 */
export function packVendored(name: string, version: string, dest: string, dirs: string[]): string {
  const src = mkdtempSync(path.join(tmpdir(), `sentinel-pack-${name}-`));
  dirs.push(src);
  writeFileSync(path.join(src, "package.json"), JSON.stringify({ name, version, main: "index.js", license: "MIT" }));
  writeFileSync(path.join(src, "index.js"), `module.exports = ${JSON.stringify(`${name} ${version}`)};\n`);
  mkdirSync(dest, { recursive: true });
  return execFileSync("npm", ["pack", src, "--pack-destination", dest, "--silent"], { encoding: "utf8" })
    .trim()
    .split("\n")
    .pop() as string;
}
