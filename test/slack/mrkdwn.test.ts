import { describe, expect, it } from "vitest";
import { escapeMrkdwn, httpUrl, safeMrkdwn } from "../../src/slack/mrkdwn.js";

describe("mrkdwn safety", () => {
  it("escapes the three characters Slack's control sequences are made of", () => {
    expect(escapeMrkdwn("<!channel> & <@U1> <https://x|y>")).toBe(
      "&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;https://x|y&gt;",
    );
  });

  it("cuts long text to the limit without splitting an entity", () => {
    const cut = safeMrkdwn("<".repeat(100), 10);
    expect(cut.length).toBeLessThanOrEqual(10);
    expect(cut).toBe("&lt;&lt;…");
    expect(safeMrkdwn("short", 10)).toBe("short");
  });

  it("links only absolute http(s) urls", () => {
    expect(httpUrl("https://github.com/acme/web/pull/7")).toBe("https://github.com/acme/web/pull/7");
    expect(httpUrl("javascript:alert(1)")).toBeNull();
    expect(httpUrl("/relative")).toBeNull();
    expect(httpUrl(null)).toBeNull();
  });
});
