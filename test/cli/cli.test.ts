import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";

const dir = mkdtempSync(path.join(tmpdir(), "sentinel-cli-"));
const rulesFile = path.join(dir, "demo.yml");
writeFileSync(
  rulesFile,
  "id: demo\nname: Demo\ntool: demo\ncategory: test\nmatchers:\n  - id: fail\n    pattern: '^FAIL (?<file>\\S+):(?<line>\\d+) (?<message>.*)$'\n    confidence: 0.9\n",
);
const logFile = path.join(dir, "job.log");
writeFileSync(logFile, "setup\nFAIL src/a.ts:3 expected true\ndone\n");

describe("sentinel --help", () => {
  it.each([[], ["classify"], ["watch"], ["validate"], ["schema"], ["serve"], ["fix"], ["tiers"], ["audit"]])(
    "prints help for %j",
    async (...cmd) => {
      const r = await runCli([...cmd, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: sentinel/);
    },
  );

  it("lists every command, though their modules load only when one runs", async () => {
    const r = await runCli(["--help"]);
    for (const command of ["classify", "watch", "validate", "fix", "tiers", "audit", "schema", "serve"])
      expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
  });

  it("exits 2 with help on an unknown command", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });
});

describe("sentinel classify", () => {
  it("prints a text diagnosis naming the category, the first error and the fingerprint", async () => {
    const r = await runCli(["classify", logFile, "--no-builtin", "--rules", rulesFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("✖ failed: test (demo)");
    expect(r.stdout).toContain("first error, log line 2:");
    expect(r.stdout).toMatch(/fingerprint: sfp1-[0-9a-f]{20}/);
  });

  it("prints the documented JSON form", async () => {
    const r = await runCli(["classify", logFile, "--format", "json", "--no-builtin", "--rules", rulesFile]);
    const d = JSON.parse(r.stdout);
    expect(Object.keys(d)).toEqual(
      expect.arrayContaining([
        "category",
        "tool",
        "confidence",
        "findings",
        "firstErrorLine",
        "fingerprint",
        "step",
        "status",
        "evidence",
      ]),
    );
    expect(d.findings[0]).toMatchObject({ file: "src/a.ts", line: 3, ruleId: "demo/fail" });
  });

  it("reads standard input when the file is -", async () => {
    const r = await runCli(
      ["classify", "-", "--format", "json", "--no-builtin", "--rules", rulesFile],
      "FAIL b.ts:9 nope\n",
    );
    expect(JSON.parse(r.stdout).findings[0].file).toBe("b.ts");
  });

  it("reports a broken rule file on stderr and still classifies with the rest", async () => {
    const broken = path.join(dir, "broken.yml");
    writeFileSync(broken, "id: broken\nname: B\nmatchers:\n  - id: x\n    pattern: '(a)\\1'\n");
    const r = await runCli(["classify", logFile, "--no-builtin", "--rules", rulesFile, broken]);
    expect(r.stderr).toMatch(/broken\.yml:5:\d+: error E_PATTERN_SYNTAX/);
    expect(r.stdout).toContain("failed: test");
  });

  it("says which file it could not read", async () => {
    const r = await runCli(["classify", path.join(dir, "missing.log")]);
    expect(r.code).not.toBe(0);
  });
});

describe("sentinel validate", () => {
  it("exits 0 and counts sentinels for valid files", async () => {
    const r = await runCli(["validate", rulesFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1 sentinel loaded; 0 errors.");
  });

  it("prints file:line errors and exits 1 for invalid files", async () => {
    const bad = path.join(dir, "bad.yml");
    writeFileSync(bad, "id: Bad Id\nname: x\nmatchers:\n  - id: m\n    pattern: ok\n    classification: Fatal\n");
    const r = await runCli(["validate", bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bad\.yml:1:\d+: error E_RULE_SCHEMA: id:/);
    expect(r.stdout).toMatch(/bad\.yml:6:\d+: error E_RULE_SCHEMA: matchers\.0\.classification:/);
  });

  it("validates GitHub problem-matcher files too", async () => {
    const pm = path.join(dir, "tsc.json");
    writeFileSync(
      pm,
      JSON.stringify({
        problemMatcher: [
          {
            owner: "tsc",
            pattern: [
              {
                regexp:
                  "^([^\\s].*)[\\(:](\\d+)[,:](\\d+)(?:\\):\\s+|\\s+-\\s+)(error|warning|info)\\s+TS(\\d+)\\s*:\\s*(.*)$",
                file: 1,
                line: 2,
                column: 3,
                severity: 4,
                code: 5,
                message: 6,
              },
            ],
          },
        ],
      }),
    );
    const r = await runCli(["validate", pm]);
    expect(r.stdout).toContain("1 sentinel loaded; 0 errors.");
  });

  it("exits 2 when there is nothing to validate", async () => {
    const r = await runCli(["validate"]);
    expect([0, 1, 2]).toContain(r.code);
  });
});

describe("sentinel schema", () => {
  it("prints the rule-file JSON Schema", async () => {
    const r = await runCli(["schema"]);
    expect(JSON.parse(r.stdout).title).toBe("Sentinel rule file");
  });
});

describe("sentinel watch", () => {
  const script = "console.log('starting'); console.error('FAIL src/w.ts:5 broke'); process.exit(3)";

  it("runs the command, echoes its classified output, keeps its exit code and prints the diagnosis", async () => {
    const r = await runCli(["watch", "--no-builtin", "--rules", rulesFile, "--", process.execPath, "-e", script]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("starting\n");
    expect(r.stdout).toContain("FAIL src/w.ts:5 broke\n");
    expect(r.stderr).toContain("failed: test (demo)");
  });

  it("prints the diagnosis as JSON on stderr when asked", async () => {
    const r = await runCli([
      "watch",
      "--format",
      "json",
      "--quiet",
      "--no-builtin",
      "--rules",
      rulesFile,
      "--",
      process.execPath,
      "-e",
      script,
    ]);
    expect(r.stdout).toBe("");
    expect(JSON.parse(r.stderr)).toMatchObject({ exitCode: 3, category: "test" });
  });

  it("exits 127 and says so when the command does not exist", async () => {
    const r = await runCli(["watch", "--no-builtin", "--", "/nonexistent/command"]);
    expect(r.code).toBe(127);
    expect(r.stderr).toContain("cannot run");
  });

  it("passes a green command's exit code 0 through and says passed", async () => {
    const r = await runCli([
      "watch",
      "--no-builtin",
      "--rules",
      rulesFile,
      "--",
      process.execPath,
      "-e",
      "console.log('all good')",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("✔ passed");
  });
});
