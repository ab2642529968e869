import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The installed package's root: the nearest folder above this module holding a package.json.
 * Every file Sentinel ships beside its code (rule files, recipes, the build's bundles, the store
 * host) is found from here, not from a module's own depth, so that the same code works from
 * src/ (tsx), from dist/ and from the CLI's single-file bundle (dist/cli.bundle.mjs).
 */
export const PACKAGE_ROOT = packageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** Where the compiled build is: `dist/` under the package's root. */
export const DIST_DIR = path.join(PACKAGE_ROOT, "dist");

/** Running from TypeScript sources (tsx, vitest) rather than from the build. */
export const FROM_SOURCE = import.meta.url.endsWith(".ts");

function packageRoot(from: string): string {
  for (let dir = from; ;) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    const up = path.dirname(dir);
    // No package.json above (a copy of dist/ alone): the layout's own depth is the best guess.
    if (up === dir) return path.resolve(from, "..", "..");
    dir = up;
  }
}
