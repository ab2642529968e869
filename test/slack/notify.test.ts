import { Writable } from "node:stream";
import { allowUnmatchedRequests, nock } from "../support/http-mock.js";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { slackFromEnv, type SlackNotification } from "../../src/slack/index.js";
import {
  API_ORIGIN,
  BOT_TOKEN,
  CHANNEL_ID,
  MESSAGE_TS,
  fakeSlackNetwork,
  formBody,
  startHarness,
  type Harness,
} from "./harness.js";

interface Block {
  type: string;
  block_id?: string;
  text?: { type: string; text: string; verbatim?: boolean };
  fields?: Array<{ type: string; text: string; verbatim?: boolean }>;
  elements?: Array<{
    type: string;
    text?: string | { text: string };
    action_id?: string;
    value?: string;
    url?: string;
    style?: string;
    verbatim?: boolean;
  }>;
}

const approval: SlackNotification = {
  event: "approval-needed",
  channel: "#ci",
  repo: "acme/web",
  title: "Fix ready for eslint failure in lint",
  text: "Sentinel changed 2 files; a < b & c > d.",
  url: "https://github.com/acme/web/pull/7",
  runId: "run_7f3a9c",
  fields: [
    { label: "Job", value: "lint" },
    { label: "Category", value: "lint (eslint)" },
  ],
};

/** Fakes chat.postMessage once, recording the form it was sent. */
function fakePostMessage(
  sent: Array<Record<string, string>>,
  reply: object = { ok: true, channel: CHANNEL_ID, ts: MESSAGE_TS },
) {
  return nock(API_ORIGIN)
    .post("/api/chat.postMessage")
    .matchHeader("authorization", `Bearer ${BOT_TOKEN}`)
    .reply(200, (_uri, body) => {
      sent.push(formBody(body));
      return reply;
    });
}

function blocksOf(form: Record<string, string> | undefined): Block[] {
  return JSON.parse(form?.blocks ?? "[]") as Block[];
}

describe("Slack notifications", () => {
  let harness: Harness;
  let undoNetwork: () => void;

  beforeEach(async () => {
    undoNetwork = fakeSlackNetwork();
    harness = await startHarness(async () => ({ ok: true, message: "ok" }));
  });
  afterEach(async () => {
    await harness.close();
    undoNetwork();
  });

  it("posts an approval-needed notification with Approve and Deny buttons carrying the run id", async () => {
    const sent: Array<Record<string, string>> = [];
    const scope = fakePostMessage(sent);
    expect(await harness.slack.notify(approval)).toEqual({ channel: CHANNEL_ID, ts: MESSAGE_TS });
    expect(scope.isDone()).toBe(true);
    expect(sent[0]).toMatchObject({ channel: "#ci", unfurl_links: "false", unfurl_media: "false" });
    expect(sent[0]).not.toHaveProperty("token"); // the token travels in the Authorization header only
    expect(sent[0]?.text).toContain("Approval needed: Fix ready for eslint failure in lint (acme/web)");
    const blocks = blocksOf(sent[0]);
    const buttons = blocks.flatMap((b) => b.elements ?? []).filter((e) => e.type === "button");
    expect(buttons.find((b) => b.action_id === "sentinel_approve")).toMatchObject({
      value: "run_7f3a9c",
      style: "primary",
    });
    expect(buttons.find((b) => b.action_id === "sentinel_deny")).toMatchObject({
      value: "run_7f3a9c",
      style: "danger",
    });
    expect(buttons.find((b) => b.url)).toMatchObject({ url: "https://github.com/acme/web/pull/7" });
    const json = JSON.stringify(blocks);
    expect(json).toContain("a &lt; b &amp; c &gt; d.");
    expect(json).toContain("*Job*\\nlint");
  });

  it("posts a fix-opened notification without decision buttons", async () => {
    const sent: Array<Record<string, string>> = [];
    fakePostMessage(sent);
    expect(await harness.slack.notify({ ...approval, event: "fix-opened", title: "Opened acme/web#7" })).not.toBeNull();
    const blocks = blocksOf(sent[0]);
    const actionIds = blocks.flatMap((b) => b.elements ?? []).map((e) => e.action_id);
    expect(actionIds).not.toContain("sentinel_approve");
    expect(actionIds).not.toContain("sentinel_deny");
    expect(actionIds).toContain("sentinel_open");
  });

  it("links only http(s) urls", async () => {
    const sent: Array<Record<string, string>> = [];
    fakePostMessage(sent);
    await harness.slack.notify({ ...approval, event: "rerun", url: "javascript:alert(1)" });
    expect(JSON.stringify(blocksOf(sent[0]))).not.toContain("javascript:");
  });

  it("returns null, without throwing, when Slack answers an error", async () => {
    nock(API_ORIGIN).post("/api/chat.postMessage").reply(200, { ok: false, error: "channel_not_found" });
    expect(await harness.slack.notify(approval)).toBeNull();
    expect(harness.logs.join("")).toContain("channel_not_found");
  });

  it("returns null, without throwing, when Slack answers HTTP 500, after a few quick retries", async () => {
    const scope = nock(API_ORIGIN).post("/api/chat.postMessage").times(3).reply(500, "oops");
    const started = Date.now();
    expect(await harness.slack.notify(approval)).toBeNull();
    expect(scope.isDone()).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(harness.logs.join("")).toContain("HTTP 500");
  });

  it("logs a failed request without the bot token, though the error quotes the Authorization header", async () => {
    // An interceptor for another method: nock's "no match" error quotes the whole request, headers included.
    allowUnmatchedRequests();
    nock(API_ORIGIN).post("/api/auth.test").reply(200, { ok: true });
    expect(await harness.slack.notify(approval)).toBeNull();
    const log = harness.logs.join("");
    expect(log).toContain("Slack refused a notification");
    expect(log).not.toContain(BOT_TOKEN);
  });

  it("returns null without calling Slack for a notification that is not valid", async () => {
    expect(await harness.slack.notify({ ...approval, channel: "" })).toBeNull();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("escapes a hostile repo name, title, text and fields so they form no mention and no link", async () => {
    const sent: Array<Record<string, string>> = [];
    fakePostMessage(sent);
    await harness.slack.notify({
      ...approval,
      repo: "evil/<!channel>",
      title: "<!here> <https://evil.example|click>",
      text: "log line: <https://evil.example|click> <@U0ADMIN> <!subteam^S1> <#C0SECRET> &amp; @channel https://evil.example",
      fields: [{ label: "<!channel>", value: "<https://evil.example|click>" }],
    });
    const form = sent[0] ?? {};
    const everything = `${form.text ?? ""}${form.blocks ?? ""}`;
    for (const hostile of ["<!channel>", "<!here>", "<https://evil", "<@U0ADMIN>", "<!subteam", "<#C0SECRET>"])
      expect(everything).not.toContain(hostile);
    expect(everything).toContain("evil/&lt;!channel&gt;");
    expect(everything).toContain("&lt;https://evil.example|click&gt;");
    expect(everything).toContain("&amp;amp;");
    // verbatim keeps Slack from linking the bare url and turning @channel into a mention
    const texts = blocksOf(form)
      .flatMap((b) => [b.text, ...(b.fields ?? []), ...(b.elements ?? [])])
      .filter((t): t is { type: string; text: string; verbatim?: boolean } => t?.type === "mrkdwn");
    expect(texts.length).toBeGreaterThan(3);
    expect(texts.every((t) => t.verbatim === true)).toBe(true);
  });
});

describe("slackFromEnv", () => {
  it("returns null and says Slack is off when the credentials are not set", () => {
    const lines: string[] = [];
    const logger = pino(
      { level: "info" },
      new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }),
    );
    expect(slackFromEnv({}, logger, async () => ({ ok: true, message: "" }))).toBeNull();
    expect(slackFromEnv({ SLACK_BOT_TOKEN: "xoxb-1" }, logger, async () => ({ ok: true, message: "" }))).toBeNull();
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      level: 30,
      msg: "Slack is off (SLACK_SIGNING_SECRET / SLACK_BOT_TOKEN unset)",
      missing: ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"],
    });
    expect(lines[1]).not.toContain("xoxb-1");
  });

  it("turns Slack on when both are set", async () => {
    const slack = slackFromEnv(
      { SLACK_SIGNING_SECRET: "s", SLACK_BOT_TOKEN: "xoxb-1" },
      pino({ level: "silent" }),
      async () => ({ ok: true, message: "" }),
    );
    expect(slack).not.toBeNull();
    await slack?.close();
  });
});
