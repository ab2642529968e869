// `npm run build`'s step that writes dist/cli-bundle/ (`postbuild`: `node scripts/write-cli-bundle.mjs`):
// the CLI's modules (some hundreds of files under dist/) and the pure JavaScript packages it loads
// at start-up, bundled. Node reads and compiles a few files instead of resolving, reading and
// linking each: a warm `sentinel fix` on pflag took 1.5-1.6 s from dist/ and 1.3-1.5 s from the
// bundle (measured here). bin/sentinel.js runs the bundle when it is there, else dist/cli/main.js,
// so a build without it (esbuild missing) still works. What a command imports lazily stays lazy
// (code splitting: a chunk per lazy import, with the packages it imports). Packages that read files
// of their own at run time (PGlite's WebAssembly, pino's transports) or load only for one command
// (PostgreSQL, the forges' and the model's clients, the queue) stay outside, loaded as before.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Read by src/cli/warm-runner.ts (its RUNNER_BUILD_ID_FILE). */
const BUILD_ID_FILE = "build-id";
const outdir = path.join(root, "dist", "cli-bundle");
const entry = path.join(root, "dist", "cli", "main.js");

/** Packages compiled into the bundle: plain JavaScript, loaded by most commands, reading no files of their own. */
const BUNDLED_PACKAGES = new Set(["commander", "yaml", "zod", "@simple-git/argv-parser"]);

const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const external = Object.keys(pkg.dependencies ?? {})
  .filter((d) => !BUNDLED_PACKAGES.has(d))
  .flatMap((d) => [d, `${d}/*`]);

/**
 * zod's namespace re-exports its 47 error-message locales (~370 KB, a quarter of what `sentinel fix`
 * compiles at start-up) through `z.locales`, which nothing here reads; zod itself configures English
 * from its own module. The bundle gets a `locales` with English only.
 */
const englishZodOnly = {
  name: "english-zod-only",
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)
        ? { path: path.join(path.dirname(args.importer), "..", "locales", "en.js"), namespace: "zod-english" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-english" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

await rm(outdir, { recursive: true, force: true });
try {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    // The byte walk's worker thread (src/sentinel/engine/scan-pool.ts finds it beside the bundle).
    entryPoints: { main: entry, "scan-worker": path.join(root, "dist", "sentinel", "engine", "scan-worker.js") },
    outdir,
    outExtension: { ".js": ".mjs" },
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external,
    // Bundled packages written as CommonJS call require(); an ES module has none of its own.
    banner: {
      js: 'import { createRequire as __sentinelRequire } from "node:module"; const require = __sentinelRequire(import.meta.url);',
    },
    logLevel: "warning",
    metafile: true,
    plugins: [englishZodOnly],
  });
  const modules = Object.keys(result.metafile.inputs).length;
  await writeFile(path.join(outdir, BUILD_ID_FILE), await buildId());
  process.stdout.write(`${path.join(outdir, "main.mjs")}: ${modules} modules bundled\n`);
} catch (error) {
  // No bundler here (a production install): the CLI runs from dist/cli, a little slower to start.
  if (existsSync(outdir)) await rm(outdir, { recursive: true });
  process.stdout.write(
    `no CLI bundle written (${error instanceof Error ? error.message : String(error)}): the CLI runs from dist/cli/\n`,
  );
}

/**
 * The build's identity, by content (file times say nothing: npm installs every file with the same
 * one): a warm fix runner (src/cli/warm-runner.ts) serves only commands of the build it loaded.
 * The bundle, and the compiled modules a runner's own processes load outside it.
 */
async function buildId() {
  const hash = createHash("sha256");
  for (const dir of [outdir, path.join(root, "dist", "cli"), path.join(root, "dist", "core")]) {
    for (const name of (await readdir(dir)).filter((n) => /\.m?js$/.test(n)).sort()) {
      hash.update(`${dir}/${name}\0`);
      hash.update(await readFile(path.join(dir, name)));
    }
  }
  hash.update(pkg.version ?? "");
  return hash.digest("hex").slice(0, 32) + "\n";
}
