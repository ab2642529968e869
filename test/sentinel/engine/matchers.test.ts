import { describe, expect, it } from "vitest";
import { classifyText, createClassifier, type RoutedEvent } from "../../../src/sentinel/index.js";
import { rulesFromYaml } from "../../support/rules.js";

describe("regex matchers", () => {
  const rules = rulesFromYaml(`
id: tool
name: Tool
tool: tool
category: lint
matchers:
  - id: diag
    pattern: '^(?<file>[^:]+):(?<line>\\d+):(?<column>\\d+): (?<severity>error|warning|note) (?<code>[A-Z]\\d+) (?<message>.+)$'
    confidence: 0.9
`);

  it("fills file, line, column, code and message from named groups", () => {
    const d = classifyText("src/x.py:3:7: error E501 line too long\n", rules);
    expect(d.findings[0]).toMatchObject({
      file: "src/x.py",
      line: 3,
      column: 7,
      code: "E501",
      message: "line too long",
      ruleId: "tool/diag",
      tool: "tool",
    });
  });

  it("lets a captured severity decide the classification", () => {
    const d = classifyText("a.py:1:1: warning W1 w\na.py:2:1: note N1 n\n", rules);
    expect(d.findings.map((f) => [f.classification, f.severity])).toEqual([
      ["Warning", "warning"],
      ["Info", "notice"],
    ]);
    expect(d.status).toBe("passed");
  });

  it("names the primary finding's category, tool and line in the diagnosis", () => {
    const d = classifyText("ok\nsrc/x.py:3:7: error E501 line too long\n", rules);
    expect(d).toMatchObject({
      status: "failed",
      category: "lint",
      tool: "tool",
      firstErrorLine: { lineNumber: 2, text: "src/x.py:3:7: error E501 line too long" },
    });
    expect(d.confidence).toBeGreaterThan(0.8);
  });

  it("matches case-insensitively when asked", () => {
    const ci = rulesFromYaml(
      "id: ci\nname: CI\ncategory: infra\nmatchers:\n  - id: net\n    pattern: 'connection reset'\n    ignoreCase: true\n",
    );
    expect(classifyText("Error: CONNECTION RESET by peer\n", ci).category).toBe("infra");
  });
});

describe("several matchers on one line", () => {
  const rules = rulesFromYaml(`
id: layered
name: Layered
category: test
matchers:
  - id: generic
    pattern: 'FAILED'
    confidence: 0.4
  - id: specific
    pattern: 'FAILED (?<file>\\S+)::(?<message>\\S+)'
    priority: 10
    confidence: 0.9
  - id: known-noise
    pattern: 'FAILED tests/flaky_quarantine'
    action: suppress
    priority: 20
  - id: also
    pattern: 'FAILED .*::test_both'
    priority: 15
    continue: true
    classification: ActionItem
`);

  it("lets the highest-priority matching matcher win the line", () => {
    const d = classifyText("FAILED tests/a.py::test_x\n", rules);
    expect(d.findings.map((f) => f.ruleId)).toEqual(["layered/specific"]);
  });

  it("falls back to a lower-priority matcher when the higher ones do not match", () => {
    const d = classifyText("something FAILED here\n", rules);
    expect(d.findings.map((f) => f.ruleId)).toEqual(["layered/generic"]);
  });

  it("silences a line with a suppress matcher that ranks above the others", () => {
    const d = classifyText("FAILED tests/flaky_quarantine.py::test_y\n", rules);
    expect(d.findings).toEqual([]);
    expect(d.status).toBe("passed");
  });

  it("lets a matcher marked continue share the line with the next one", () => {
    const d = classifyText("FAILED tests/a.py::test_both\n", rules);
    expect(d.findings.map((f) => f.ruleId)).toEqual(["layered/also", "layered/specific"]);
  });
});

describe("transform matchers", () => {
  it("rewrites the message, code and file before emitting", () => {
    const rules = rulesFromYaml(`
id: tx
name: TX
category: build
matchers:
  - id: make
    pattern: 'make: \\*\\*\\* \\[(?<target>[^\\]]+)\\] Error (?<status>\\d+)'
    action: transform
    transform:
      message: 'make target {target} failed with status {status}'
      code: 'make-{status}'
      file: 'build/{target}'
      stripFilePrefix: 'build/'
`);
    const d = classifyText("make: *** [Makefile:12: all] Error 2\n", rules);
    expect(d.findings[0]).toMatchObject({
      message: "make target Makefile:12: all failed with status 2",
      code: "make-2",
      file: "Makefile:12: all",
    });
  });
});

describe("stateful matchers", () => {
  const rules = rulesFromYaml(`
id: bursts
name: Bursts
category: infra
matchers:
  - id: retry
    pattern: 'retrying request'
    classification: Warning
  - id: storm
    type: stateful
    count: 3
    withinLines: 10
    of: { rule: [bursts/retry] }
    message: '{count} retries within {window}'
  - id: timed-storm
    type: stateful
    count: 2
    within: 60s
    of: { classification: [Error] }
    classification: Anomaly
  - id: err
    pattern: 'hard error'
`);

  it("fires once when N qualifying findings fall within the line window", () => {
    const d = classifyText("retrying request\nx\nretrying request\nretrying request\n", rules);
    const storm = d.findings.filter((f) => f.ruleId === "bursts/storm");
    expect(storm).toHaveLength(1);
    expect(storm[0]).toMatchObject({ classification: "Anomaly", logLine: 4, message: "3 retries within 4 lines" });
  });

  it("does not fire when the qualifying findings are spread wider than the window", () => {
    const spread = [
      "retrying request",
      ...Array(10).fill("x"),
      "retrying request",
      ...Array(10).fill("x"),
      "retrying request",
    ].join("\n");
    expect(classifyText(spread, rules).findings.filter((f) => f.ruleId === "bursts/storm")).toEqual([]);
  });

  it("measures time windows on the log's own timestamps", () => {
    const within = "2024-01-01T00:00:00.000Z hard error\n2024-01-01T00:00:30.000Z hard error\n";
    const apart = "2024-01-01T00:00:00.000Z hard error\n2024-01-01T00:05:00.000Z hard error\n";
    expect(classifyText(within, rules).findings.some((f) => f.ruleId === "bursts/timed-storm")).toBe(true);
    expect(classifyText(apart, rules).findings.some((f) => f.ruleId === "bursts/timed-storm")).toBe(false);
  });

  it("requires a window in the rule file", () => {
    expect(() =>
      rulesFromYaml("id: s\nname: S\nmatchers:\n  - id: x\n    type: stateful\n    count: 2\n    of: {}\n"),
    ).toThrow(/within/);
  });
});

describe("routing", () => {
  const rules = rulesFromYaml(`
id: routed
name: Routed
category: lint
matchers:
  - id: e
    pattern: 'lint error (?<code>\\w+)'
routing:
  - target: agent-inbox
    window: { duration: 1m, min: 2, max: 2 }
    options: { agent: eslint-fix }
  - target: check-annotation
`);

  function route(log: string): RoutedEvent[] {
    const events: RoutedEvent[] = [];
    const c = createClassifier(rules, { onEvent: (e) => e.type === "routed" && events.push(e.routed) });
    c.write(log);
    c.end();
    return events;
  }

  it("sends each finding on its own to a route without a window", () => {
    const events = route("lint error A\nlint error B\n").filter((e) => e.target === "check-annotation");
    expect(events.map((e) => e.findings.map((f) => f.code))).toEqual([["A"], ["B"]]);
  });

  it("aggregates findings within the window and carries at most max of them", () => {
    const log = ["A", "B", "C"].map((c, i) => `2024-01-01T00:00:0${i}.000Z lint error ${c}`).join("\n");
    const [inbox] = route(log).filter((e) => e.target === "agent-inbox");
    expect(inbox).toMatchObject({ count: 3, dropped: 1, options: { agent: "eslint-fix" }, reason: "end-of-stream" });
    expect(inbox?.findings.map((f) => f.code)).toEqual(["A", "B"]);
  });

  it("routes nothing when fewer than min findings arrive in a window", () => {
    const log = "2024-01-01T00:00:00.000Z lint error A\n2024-01-01T00:05:00.000Z lint error B\n";
    expect(route(log).filter((e) => e.target === "agent-inbox")).toEqual([]);
  });
});
