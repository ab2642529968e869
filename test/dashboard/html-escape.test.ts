import { describe, expect, it } from "vitest";
import { escapeHtml, externalLink, html, safeHref, trustedHtml } from "../../src/dashboard/html.js";
import { categoryChart, daySeries } from "../../src/dashboard/category-chart.js";
import { overviewPage, type OverviewData } from "../../src/dashboard/pages/overview-page.js";
import { runPage } from "../../src/dashboard/pages/run-page.js";
import { phaseTimeline } from "../../src/dashboard/phase-timeline.js";
import type { FailureRow, LedgerEntry, RunRow } from "../../src/dashboard/dashboard-queries.js";

const PAYLOAD = "<img src=x onerror=alert(1)>";

describe("escapeHtml", () => {
  it("turns markup into text", () => {
    expect(escapeHtml(PAYLOAD)).toBe("&lt;img src=x onerror=alert(1)&gt;");
    expect(escapeHtml(`" onmouseover='x' \`y\` & z`)).toBe("&quot; onmouseover=&#39;x&#39; &#96;y&#96; &amp; z");
  });

  it("renders null and undefined as nothing and numbers as text", () => {
    expect(escapeHtml(null)).toBe("");
    expect(escapeHtml(undefined)).toBe("");
    expect(escapeHtml(42)).toBe("42");
  });

  it("replaces control characters and lone surrogates a log can carry", () => {
    expect(escapeHtml("a\u0000b\u001bc\td\ne")).toBe("a\uFFFDb\uFFFDc\td\ne");
    expect(escapeHtml("x\uD800y")).toBe("x\uFFFDy");
    expect(escapeHtml("ok \uD83D\uDE00")).toBe("ok \uD83D\uDE00");
  });
});

describe("the html tag", () => {
  it("escapes every interpolation, in text and in attributes", () => {
    const out = html`<td title="${PAYLOAD}">${PAYLOAD}</td>`.value;
    expect(out).toBe('<td title="&lt;img src=x onerror=alert(1)&gt;">&lt;img src=x onerror=alert(1)&gt;</td>');
  });

  it("passes nested html and arrays through once, without double escaping", () => {
    const inner = html`<b>${"a&b"}</b>`;
    expect(html`<p>${inner}${[html`<i>1</i>`, "<2>"]}</p>`.value).toBe("<p><b>a&amp;b</b><i>1</i>&lt;2&gt;</p>");
  });

  it("renders false, null and undefined as nothing", () => {
    expect(html`${false}${null}${undefined}${0}`.value).toBe("0");
  });

  it("does not trust a string that merely looks like markup", () => {
    const attacker = { value: PAYLOAD, toString: () => PAYLOAD };
    expect(html`${attacker as unknown as string}`.value).not.toContain("<img");
    expect(trustedHtml("<b>ours</b>").value).toBe("<b>ours</b>");
  });
});

describe("links from forge data", () => {
  it("keeps http(s) links and drops javascript:, data: and garbage", () => {
    expect(safeHref("https://github.com/a/b/actions/runs/1")).toBe("https://github.com/a/b/actions/runs/1");
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref(" JAVASCRIPT:alert(1)")).toBeNull();
    expect(safeHref("data:text/html,<script>alert(1)</script>")).toBeNull();
    expect(safeHref("not a url")).toBeNull();
    expect(safeHref(null)).toBeNull();
  });

  it("shows an unsafe link as text", () => {
    expect(externalLink("javascript:alert(1)", "job").value).toBe("job");
    expect(externalLink('https://x.test/"><script>', "job").value).toContain(
      'href="https://x.test/%22%3E%3Cscript%3E"',
    );
  });
});

describe("pages with hostile data", () => {
  const hostileFailure: FailureRow = {
    failureKey: PAYLOAD,
    forge: "github",
    repo: `acme/${PAYLOAD}`,
    sha: "0123456789abcdef",
    ref: PAYLOAD,
    jobName: `<script>alert(1)</script>`,
    jobUrl: "javascript:alert(1)",
    status: "diagnosed",
    error: null,
    createdAt: new Date("2026-11-20T10:00:00Z"),
    pullRequests: [1],
    diagnosis: {
      category: `lint${PAYLOAD}`,
      tool: PAYLOAD,
      confidence: 0.9,
      summary: `lint failure ${PAYLOAD}`,
      flaky: false,
      fingerprint: `sfp1-${PAYLOAD}`,
      evidence: { startLine: 10, lines: ["before", `error: ${PAYLOAD}`, "after"] },
      firstErrorLine: { lineNumber: 11, text: `error: ${PAYLOAD}` },
    },
    decision: { verdict: PAYLOAD, rule: null, message: PAYLOAD, runId: `run"><script>` },
  };

  it("renders the overview with every hostile value escaped", () => {
    const data: OverviewData = {
      repo: PAYLOAD,
      totals: { failures24h: 1, diagnosed24h: 1, runsRunning: 0, runsWaiting: 0, openPullRequests: 0 },
      failures: [hostileFailure],
      chart: daySeries([{ day: "2026-11-20", category: PAYLOAD, count: 2 }], 14, new Date("2026-11-22T12:00:00Z")),
      approvals: [
        {
          runId: PAYLOAD,
          forge: "github",
          repo: PAYLOAD,
          prNumber: 1,
          rule: PAYLOAD,
          message: PAYLOAD,
          requestedAt: new Date(),
          expiresAt: new Date(),
        },
      ],
      queue: { kind: "in-process", depth: 0 },
    };
    const page = overviewPage(data, true).value;
    expect(page).not.toMatch(/<img|<script>alert|javascript:/i);
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
    // The evidence is there, as text, with the failing line marked.
    expect(page).toContain('<span class="hit"><span class="ln">11</span>error: &lt;img');
    // The run link is percent-encoded, not broken out of its attribute.
    expect(page).toContain('href="/dashboard/runs/run%22%3E%3Cscript%3E"');
  });

  it("renders a run's ledger with hostile commands, output and policy notes escaped", () => {
    const run: RunRow = {
      runId: PAYLOAD,
      forge: "github",
      repo: PAYLOAD,
      fingerprint: PAYLOAD,
      failureKey: null,
      agentId: PAYLOAD,
      phase: "EXECUTE",
      status: "running",
      action: PAYLOAD,
      manual: false,
      sha: PAYLOAD,
      prNumber: null,
      startedAt: new Date("2026-11-20T10:00:00Z"),
      finishedAt: null,
      heartbeatAt: new Date(),
      reason: PAYLOAD,
    };
    const at = (s: number) => new Date(Date.parse("2026-11-20T10:00:00Z") + s * 1000);
    const ledger: LedgerEntry[] = [
      { seq: "1", runId: PAYLOAD, kind: "phase.EXECUTE", data: {}, at: at(1) },
      {
        seq: "2",
        runId: PAYLOAD,
        kind: "command",
        data: {
          step: PAYLOAD,
          command: ["sh", "-c", PAYLOAD],
          exitCode: 1,
          ms: 5,
          outputTail: PAYLOAD,
          diagnosis: { category: "lint", summary: PAYLOAD },
        },
        at: at(2),
      },
      {
        seq: "3",
        runId: PAYLOAD,
        kind: "policy.decision",
        data: { stage: PAYLOAD, verdict: "deny", rule: PAYLOAD, message: PAYLOAD, notes: [PAYLOAD] },
        at: at(3),
      },
      { seq: "4", runId: PAYLOAD, kind: `odd${PAYLOAD}`, data: { x: PAYLOAD }, at: at(4) },
    ];
    const page = runPage(
      { run, timeline: phaseTimeline(run, ledger, at(10)), pullRequests: [], truncated: false },
      true,
    ).value;
    expect(page).not.toMatch(/<img/i);
    expect(page).toContain('data-stream="/dashboard/runs/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E/live"');
  });

  it("escapes category names in the chart", () => {
    const svg = categoryChart(
      daySeries(
        [{ day: "2026-11-22", category: `"><script>alert(1)</script>`, count: 1 }],
        3,
        new Date("2026-11-22T01:00:00Z"),
      ),
    ).value;
    expect(svg).not.toContain("<script>");
  });
});
