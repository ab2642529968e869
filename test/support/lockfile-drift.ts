import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { remoteOf } from "./recipe-run.js";
import { packVendored } from "./vendored-package.js";

const manifest = (tarball: string, extra: Record<string, unknown>) =>
  JSON.stringify(
    {
      name: "storefront",
      version: "1.4.0",
      private: true,
      ...extra,
      dependencies: { "price-format": `file:vendor/${tarball}` },
    },
    null,
    2,
  ) + "\n";

/**
 * A project that vendors its dependency as a tarball: `lock` (the package manager under test)
 * writes its lockfile for 1.0.0, then package.json moves to the vendored 1.1.0 and the lockfile is
 * not updated, the drift a frozen install refuses. No registry is needed anywhere.
 */
export function lockfileDrift(o: {
  manager: string;
  dirs: string[];
  /** Writes the lockfile in `dir`; `parent` is a scratch folder beside it (stores, caches, HOME). */
  lock: (dir: string, parent: string) => void;
  /** Files besides package.json (default: a .gitignore of node_modules/). */
  files?: Record<string, string>;
  /** Fields of package.json before `dependencies` (a `packageManager`). */
  manifestExtra?: Record<string, unknown>;
}): { remote: string; sha: string } {
  const parent = mkdtempSync(path.join(tmpdir(), `sentinel-${o.manager}-drift-`));
  o.dirs.push(parent);
  const dir = path.join(parent, "storefront");
  const old = packVendored("price-format", "1.0.0", path.join(dir, "vendor"), o.dirs);
  const next = packVendored("price-format", "1.1.0", path.join(dir, "vendor"), o.dirs);
  const extra = o.manifestExtra ?? {};
  writeFileSync(path.join(dir, "package.json"), manifest(old, extra));
  for (const [name, text] of Object.entries(o.files ?? { ".gitignore": "node_modules/\n" }))
    writeFileSync(path.join(dir, name), text);
  o.lock(dir, parent);
  writeFileSync(path.join(dir, "package.json"), manifest(next, extra));
  return remoteOf(dir);
}
