import { describe, expect, it } from "vitest";
import { blastRadiusViolation, DEFAULT_BLAST_RADIUS } from "../../src/pipeline/governance.js";
import { ALWAYS_FORBIDDEN_PATHS } from "../../src/policy/index.js";

const limits = { maxFiles: 3, maxLines: 10, forbiddenPaths: [...ALWAYS_FORBIDDEN_PATHS, "db/migrations/*"] };
const diff = (files: string[], linesAdded: number, linesDeleted = 0) => ({ files, linesAdded, linesDeleted });

describe("the blast radius of a fix's diff", () => {
  it("allows exactly the file limit", () => {
    expect(blastRadiusViolation(diff(["a.ts", "b.ts", "c.ts"], 3), limits)).toBeNull();
  });

  it("refuses one file over the limit, saying how many and the limit", () => {
    expect(blastRadiusViolation(diff(["a.ts", "b.ts", "c.ts", "d.ts"], 4), limits)).toBe(
      "changes 4 files; the limit is 3",
    );
  });

  it("allows exactly the line limit, counting added and deleted lines together", () => {
    expect(blastRadiusViolation(diff(["a.ts"], 6, 4), limits)).toBeNull();
  });

  it("refuses one line over the limit", () => {
    expect(blastRadiusViolation(diff(["a.ts"], 6, 5), limits)).toBe("changes 11 lines; the limit is 10");
  });

  it("refuses a diff touching one of the policy's forbidden paths, naming it", () => {
    expect(blastRadiusViolation(diff(["src/a.ts", "db/migrations/001.sql"], 2), limits)).toBe(
      "touches forbidden paths: db/migrations/001.sql",
    );
  });

  it("refuses CI definitions, Sentinel's own config, keys and .env files at any depth whatever the policy says", () => {
    for (const file of [
      ".github/workflows/ci.yml",
      ".github/workflows/nested/x.yaml",
      ".github/actions/setup/action.yml",
      ".gitlab-ci.yml",
      ".github/sentinel.yml",
      ".gitlab/sentinel.yml",
      "certs/server.pem",
      "deploy/tls.key",
      ".env",
      ".env.production",
      "services/api/.env.local",
    ]) {
      expect(blastRadiusViolation(diff([file], 1), DEFAULT_BLAST_RADIUS), file).toMatch(/^touches forbidden paths: /);
    }
  });

  it("does not mistake ordinary files for forbidden ones", () => {
    for (const file of [
      "src/environment.ts",
      "docs/github-workflows.md",
      "keyboard.ts",
      "src/env.ts",
      "pem-utils/index.js",
    ]) {
      expect(blastRadiusViolation(diff([file], 1), DEFAULT_BLAST_RADIUS), file).toBeNull();
    }
  });

  it("matches forbidden globs without regard to case, as case-insensitive file systems do", () => {
    expect(blastRadiusViolation(diff([".GITHUB/Workflows/CI.yml"], 1), DEFAULT_BLAST_RADIUS)).toMatch(/forbidden/);
  });
});
