import { describe, expect, it } from "vitest";
import { classifyText } from "../../../src/sentinel/index.js";
import { rulesFromYaml } from "../../support/rules.js";

const rules = rulesFromYaml(`
id: demo
name: Demo
tool: demo
category: test
matchers:
  - id: fail
    pattern: '^FAIL (?<file>\\S+):(?<line>\\d+) (?<message>.*)$'
    confidence: 0.9
`);

function fp(log: string): string {
  return classifyText(log, rules).fingerprint;
}

describe("failure fingerprints", () => {
  const base =
    "setup\nFAIL src/a.ts:10 timeout after 350ms in /tmp/jest_abc123/run.js at 2024-05-01T12:00:00Z id deadbeef42\n";

  it("is the same when only timestamps, durations, temp paths and hex ids differ", () => {
    const other =
      "setup\nFAIL src/a.ts:10 timeout after 1200ms in /tmp/jest_zz9/run.js at 2025-01-02T03:04:05Z id 0badc0de99\n";
    expect(fp(other)).toBe(fp(base));
  });

  it("is the same when the failure moved to another log line or source line", () => {
    expect(fp("more\nsetup\noutput\n" + base.replace(":10 ", ":14 "))).toBe(fp(base));
  });

  it("is the same when GitHub's timestamp prefixes differ", () => {
    const stamp = (t: string) =>
      base
        .split("\n")
        .filter(Boolean)
        .map((l) => `${t} ${l}`)
        .join("\n");
    expect(fp(stamp("2024-05-01T12:00:00.0000000Z"))).toBe(fp(stamp("2024-06-01T08:30:00.5000000Z")));
  });

  it("is the same when the workspace root differs between runners", () => {
    const a = "FAIL /home/runner/work/app/app/src/a.ts:3 broke\n";
    const b = "FAIL /builds/group/app/src/a.ts:3 broke\n";
    expect(fp(a)).toBe(fp(b));
  });

  it("differs when the failing file differs", () => {
    expect(fp(base.replace("src/a.ts", "src/b.ts"))).not.toBe(fp(base));
  });

  it("differs when the message says something else", () => {
    expect(fp(base.replace("timeout", "assertion failed"))).not.toBe(fp(base));
  });

  it("has a stable, versioned shape", () => {
    expect(fp(base)).toMatch(/^sfp1-[0-9a-f]{20}$/);
  });
});
