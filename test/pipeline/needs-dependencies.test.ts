import { describe, expect, it } from "vitest";
import { dependencyNeed } from "../../src/pipeline/needs-dependencies.js";

const js = { hasPackageJson: true, bins: new Set(["eslint", "prettier", "tsc"]) };
const sh = (script: string) => ["sh", "-c", script];

describe("dependencyNeed", () => {
  it.each([
    ["npm run lint", "npm run lint"],
    ["npx prettier --check .", "npx prettier --check"],
    ["pnpm lint", "pnpm lint"],
    ["yarn lint", "yarn lint"],
    ["node scripts/check.js", "node scripts/check.js"],
    ["eslint .", "eslint ."],
    ["CI=1 tsc --noEmit", "tsc --noEmit"],
    ["./node_modules/.bin/eslint src", "./node_modules/.bin/eslint src"],
    ["cd web && npm test", "npm test"],
  ])("installs before `%s`", (script, runs) => {
    expect(dependencyNeed(sh(script), js)).toEqual({ needed: true, because: `the command runs \`${runs}\`` });
  });

  it.each(["gofmt -l .", "cargo fmt --check", "black --check .", "flake8", 'test -z "$(gofmt -l .)"'])(
    "installs nothing before `%s`, which runs nothing of the project's",
    (script) => {
      expect(dependencyNeed(sh(script), js).needed).toBe(false);
    },
  );

  it("installs nothing before an install: reproducing that install is the point", () => {
    expect(dependencyNeed(sh("npm ci"), js)).toEqual({
      needed: false,
      because: "the command is a dependency install itself",
    });
    expect(dependencyNeed(["yarn", "--frozen-lockfile"], js).needed).toBe(false);
  });

  it("installs before a script that installs and then lints (the install warms the cache its own install reads)", () => {
    expect(dependencyNeed(sh("npm ci && npm run lint"), js).needed).toBe(true);
  });

  it("installs nothing without a package.json, whatever the command", () => {
    expect(dependencyNeed(sh("npm run lint"), { hasPackageJson: false, bins: new Set() })).toEqual({
      needed: false,
      because: "the repository has no package.json",
    });
  });

  it("reads an argv that is not a shell script as one command", () => {
    expect(dependencyNeed(["npx", "--no-install", "eslint", "."], js).needed).toBe(true);
    expect(dependencyNeed(["cargo", "clippy"], js).needed).toBe(false);
  });

  it("reads the script of `bash -lc`", () => {
    expect(dependencyNeed(["bash", "-lc", "prettier --check ."], js).needed).toBe(true);
  });
});
