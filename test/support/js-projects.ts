import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { git } from "./git-repos.js";

/**
 * A real JavaScript project with ESLint violations (and, `withPrettier`, a file Prettier would
 * format differently): package.json, a lockfile resolved from the
 * npm registry (the recipe's `npm ci` installs ESLint's 86 packages from it, with install scripts
 * off), a flat config and a source file.
 */
export function eslintProject(dir: string, o: { withPrettier?: boolean } = {}): { dir: string; sha: string } | null {
  git(dir, "init", "-q", "-b", "main");
  const devDependencies = { eslint: "9.39.5", ...(o.withPrettier ? { prettier: "3.6.2" } : {}) };
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "lint-demo", version: "1.0.0", private: true, devDependencies }, null, 2) + "\n",
  );
  try {
    execFileSync("npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"], {
      cwd: dir,
      timeout: 60_000,
      stdio: "ignore",
    });
  } catch (error) {
    if (process.env.CI === "true")
      throw new Error(`the npm registry is needed for the ESLint pipeline test: ${String(error)}`, { cause: error });
    console.warn("\n!!! the npm registry is unreachable: the ESLint pipeline test is SKIPPED.\n");
    return null;
  }
  writeFileSync(
    path.join(dir, "eslint.config.mjs"),
    'export default [{ files: ["**/*.js"], rules: { "prefer-const": "error", "no-var": "error", semi: ["error", "always"] } }];\n',
  );
  writeFileSync(path.join(dir, "index.js"), "var a = 1\nlet b = 2\nconsole.log(a + b)\n");
  if (o.withPrettier) {
    // Formatting Prettier rejects, in a file ESLint has nothing against.
    writeFileSync(
      path.join(dir, "greet.js"),
      "const greet = (name)=>{return 'hello '+name;};\nmodule.exports = {greet};\n",
    );
    writeFileSync(path.join(dir, ".prettierignore"), "package-lock.json\nindex.js\neslint.config.mjs\n");
  }
  writeFileSync(path.join(dir, ".gitignore"), "node_modules/\n");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "initial");
  return { dir, sha: git(dir, "rev-parse", "HEAD") };
}
