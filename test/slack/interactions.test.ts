import { createServer, request, type IncomingMessage } from "node:http";
import { pino } from "pino";
import { nock } from "../support/http-mock.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderNotification } from "../../src/slack/blocks.js";
import { createSlack, MAX_SLACK_BODY, type SlackDecision } from "../../src/slack/index.js";
import {
  API_ORIGIN,
  BOT_TOKEN,
  CHANNEL_ID,
  MESSAGE_TS,
  SIGNING_SECRET,
  fakeSlackNetwork,
  formBody,
  nowSeconds,
  pressBody,
  sign,
  startHarness,
  type Harness,
} from "./harness.js";

const RUN_ID = "run_7f3a9c_fix_lint";
const approvalBlocks = renderNotification({
  event: "approval-needed",
  channel: "#ci",
  repo: "acme/web",
  title: "Fix ready: eslint failure in lint",
  text: "Sentinel fixed the lint job.",
  url: "https://github.com/acme/web/pull/7",
  runId: RUN_ID,
}).blocks;

interface Captured {
  path: string;
  form: Record<string, string>;
  authorization: string | undefined;
}

/** Fakes the Web API methods a press can call, recording what was sent. */
function fakeWebApi(captured: Captured[]) {
  const record = (path: string) =>
    function (this: { req: { headers: Record<string, string | string[] | undefined> } }, _uri: string, body: unknown) {
      const auth = this.req.headers.authorization;
      captured.push({ path, form: formBody(body), authorization: Array.isArray(auth) ? auth[0] : auth });
      return path === "chat.update"
        ? { ok: true, channel: CHANNEL_ID, ts: MESSAGE_TS }
        : { ok: true, message_ts: "1700000002.000300" };
    };
  return {
    update: nock(API_ORIGIN).post("/api/chat.update").reply(200, record("chat.update")),
    ephemeral: nock(API_ORIGIN).post("/api/chat.postEphemeral").reply(200, record("chat.postEphemeral")),
  };
}

describe("Slack button presses on Sentinel's own HTTP server", () => {
  let harness: Harness;
  let undoNetwork: () => void;
  let decide: ReturnType<typeof vi.fn<(d: SlackDecision) => Promise<{ ok: boolean; message: string }>>>;
  const captured: Captured[] = [];

  beforeEach(async () => {
    undoNetwork = fakeSlackNetwork();
    captured.length = 0;
    decide = vi.fn(async (d: SlackDecision) => ({
      ok: true,
      message: d.decision === "approve" ? "the fix run resumes" : "the fix run was cancelled",
    }));
    harness = await startHarness(decide);
  });
  afterEach(async () => {
    await harness.close();
    undoNetwork();
  });

  it("hands a validly signed Approve press to onDecision and says in the message who approved", async () => {
    const web = fakeWebApi(captured);
    const res = await harness.post("/api/slack/interactions", pressBody("sentinel_approve", RUN_ID, approvalBlocks));
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(web.update.isDone()).toBe(true));
    expect(decide).toHaveBeenCalledExactlyOnceWith({
      runId: RUN_ID,
      decision: "approve",
      slackUserId: "U123ABC",
      slackUserName: "ada",
    });
    const update = captured.find((c) => c.path === "chat.update");
    expect(update?.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(update?.form).toMatchObject({ channel: CHANNEL_ID, ts: MESSAGE_TS });
    const blocks = JSON.parse(update?.form.blocks ?? "[]") as Array<{
      type: string;
      block_id?: string;
      elements?: Array<{ text?: string; action_id?: string }>;
    }>;
    expect(JSON.stringify(blocks)).not.toContain("sentinel_approve");
    expect(JSON.stringify(blocks)).not.toContain("sentinel_deny");
    expect(JSON.stringify(blocks)).toContain("Fix ready: eslint failure in lint");
    expect(blocks.at(-1)?.type).toBe("context");
    expect(blocks.at(-1)?.elements?.[0]?.text).toContain("Approved by <@U123ABC>: the fix run resumes");
  });

  it("hands a Deny press to onDecision and says in the message who denied", async () => {
    const web = fakeWebApi(captured);
    const res = await harness.post(
      "/api/slack/interactions",
      pressBody("sentinel_deny", RUN_ID, approvalBlocks, { id: "U0BOB", username: "bob" }),
    );
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(web.update.isDone()).toBe(true));
    expect(decide).toHaveBeenCalledExactlyOnceWith({
      runId: RUN_ID,
      decision: "deny",
      slackUserId: "U0BOB",
      slackUserName: "bob",
    });
    const blocks = JSON.parse(captured[0]?.form.blocks ?? "[]") as Array<{ elements?: Array<{ text?: string }> }>;
    expect(blocks.at(-1)?.elements?.[0]?.text).toContain("Denied by <@U0BOB>: the fix run was cancelled");
    expect(JSON.stringify(blocks)).not.toContain("sentinel_deny");
  });

  it("answers 401 to a wrong signature and never calls onDecision", async () => {
    const body = pressBody("sentinel_approve", RUN_ID, approvalBlocks);
    const timestamp = nowSeconds();
    const res = await harness.post("/api/slack/interactions", body, {
      timestamp,
      signature: sign(body, timestamp, "not-the-signing-secret"),
    });
    expect(res.status).toBe(401);
    await harness.slack.close();
    expect(decide).not.toHaveBeenCalled();
  });

  it("answers 401 to a correctly signed request replayed more than 5 minutes later and never calls onDecision", async () => {
    const body = pressBody("sentinel_approve", RUN_ID, approvalBlocks);
    const timestamp = nowSeconds() - 6 * 60;
    const res = await harness.post("/api/slack/interactions", body, { timestamp, signature: sign(body, timestamp) });
    expect(res.status).toBe(401);
    await harness.slack.close();
    expect(decide).not.toHaveBeenCalled();
  });

  it("keeps the buttons and tells only the presser why when onDecision refuses them", async () => {
    decide.mockResolvedValueOnce({ ok: false, message: "you are not an approver for acme/web" });
    const web = fakeWebApi(captured);
    const res = await harness.post(
      "/api/slack/interactions",
      pressBody("sentinel_approve", RUN_ID, approvalBlocks, { id: "U0EVE", username: "eve" }),
    );
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(web.ephemeral.isDone()).toBe(true));
    await harness.slack.close(); // waits for the press to be fully handled
    expect(decide).toHaveBeenCalledOnce();
    expect(web.update.isDone()).toBe(false);
    const ephemeral = captured.find((c) => c.path === "chat.postEphemeral");
    expect(ephemeral?.form).toMatchObject({ channel: CHANNEL_ID, user: "U0EVE" });
    expect(ephemeral?.form.text).toContain("you are not an approver for acme/web");
  });

  it("refuses a press whose run id is not a Sentinel run id without calling onDecision", async () => {
    for (const value of ["run_../../etc", "RUN_ABC", `run_${"a".repeat(100)}`, ""]) {
      const web = fakeWebApi(captured);
      const res = await harness.post("/api/slack/interactions", pressBody("sentinel_approve", value, approvalBlocks));
      expect(res.status).toBe(200);
      await vi.waitFor(() => expect(web.ephemeral.isDone()).toBe(true));
      nock.cleanAll();
    }
    await harness.slack.close();
    expect(decide).not.toHaveBeenCalled();
    expect(captured.every((c) => c.path === "chat.postEphemeral")).toBe(true);
    expect(captured[0]?.form.text).toContain("does not carry a valid Sentinel run id");
  });

  it("acknowledges a press on the link button without deciding anything", async () => {
    const res = await harness.post("/api/slack/interactions", pressBody("sentinel_open", "", approvalBlocks));
    expect(res.status).toBe(200);
    await harness.slack.close();
    expect(decide).not.toHaveBeenCalled();
  });

  it("answers Events API url_verification with the challenge", async () => {
    const body = JSON.stringify({
      token: "legacy",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const res = await harness.post("/api/slack/events", body, { contentType: "application/json" });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
  });

  it("acknowledges other events and ignores them", async () => {
    const body = JSON.stringify({
      token: "legacy",
      team_id: "T0TEAM",
      api_app_id: "A0APP",
      type: "event_callback",
      event_id: "Ev1",
      event_time: nowSeconds(),
      event: {
        type: "app_mention",
        user: "U123ABC",
        text: "<@U0BOT> approve run_x",
        ts: MESSAGE_TS,
        channel: CHANNEL_ID,
        event_ts: MESSAGE_TS,
      },
    });
    const res = await harness.post("/api/slack/events", body, { contentType: "application/json" });
    expect(res.status).toBe(200);
    await harness.slack.close();
    expect(decide).not.toHaveBeenCalled();
  });

  it("answers 413 to a body over the limit and never calls onDecision", async () => {
    const body = `payload=${"x".repeat(MAX_SLACK_BODY + 1024)}`;
    const res = await harness.post("/api/slack/interactions", body);
    expect(res.status).toBe(413);
    await harness.slack.close();
    expect(decide).not.toHaveBeenCalled();
  });

  it("answers 413 to an oversized body sent in chunks without a length", async () => {
    const chunk = "x".repeat(64 * 1024);
    const timestamp = nowSeconds();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: harness.port,
          path: "/api/slack/interactions",
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "transfer-encoding": "chunked",
            "x-slack-request-timestamp": String(timestamp),
            "x-slack-signature": "v0=00",
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      for (let sent = 0; sent <= MAX_SLACK_BODY; sent += chunk.length) req.write(chunk);
      req.end();
    });
    expect(status).toBe(413);
    await harness.slack.close();
    expect(decide).not.toHaveBeenCalled();
  });

  it("answers 404 to other paths and methods under /api/slack/", async () => {
    expect((await fetch(`http://127.0.0.1:${harness.port}/api/slack/events`)).status).toBe(404);
    expect((await harness.post("/api/slack/commands", "command=%2Fsentinel")).status).toBe(404);
    expect((await harness.post("/api/slack/interactions/extra", "payload=%7B%7D")).status).toBe(404);
  });

  it("never logs the signing secret, the bot token or a signature", async () => {
    const web = fakeWebApi(captured);
    const body = pressBody("sentinel_approve", RUN_ID, approvalBlocks);
    const timestamp = nowSeconds();
    const signature = sign(body, timestamp);
    await harness.post("/api/slack/interactions", body, { timestamp, signature });
    await vi.waitFor(() => expect(web.update.isDone()).toBe(true));
    await harness.post("/api/slack/interactions", body, { timestamp, signature: sign(body, timestamp, "wrong") });
    await harness.slack.close();
    const log = harness.logs.join("");
    expect(log).toContain("Slack decision"); // the logger did receive the run
    for (const secret of [SIGNING_SECRET, BOT_TOKEN, signature, signature.slice(3)]) expect(log).not.toContain(secret);
  });

  it("accepts a body already read by the server when it is handed over as req.rawBody", async () => {
    const slack = createSlack({
      signingSecret: SIGNING_SECRET,
      botToken: BOT_TOKEN,
      logger: pino({ level: "silent" }),
      onDecision: decide,
    });
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = Buffer.concat(chunks);
      await slack.middleware(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const body = JSON.stringify({ token: "legacy", challenge: "pre-read", type: "url_verification" });
      const timestamp = nowSeconds();
      const ok = await fetch(`http://127.0.0.1:${port}/api/slack/events`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-slack-request-timestamp": String(timestamp),
          "x-slack-signature": sign(body, timestamp),
        },
        body,
      });
      expect(await ok.json()).toEqual({ challenge: "pre-read" });
      const forged = await fetch(`http://127.0.0.1:${port}/api/slack/events`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-slack-request-timestamp": String(timestamp),
          "x-slack-signature": sign("{}", timestamp),
        },
        body,
      });
      expect(forged.status).toBe(401);
    } finally {
      await slack.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
