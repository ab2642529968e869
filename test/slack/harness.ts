import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { Writable } from "node:stream";
import { nock } from "../support/http-mock.js";
import { pino } from "pino";
import { createSlack, type Slack, type SlackDeps } from "../../src/slack/index.js";

export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
export const BOT_TOKEN = "xoxb-1234-5678-sentineltesttoken";
/** A stand-in Web API base url; nock answers for it, nothing is listening there. */
export const API_ORIGIN = "https://slack-api.test";
export const API_URL = `${API_ORIGIN}/api/`;
export const CHANNEL_ID = "C0CI12345";
export const MESSAGE_TS = "1700000000.000100";

/** Slack's request signature: v0=HMAC-SHA256(secret, "v0:<timestamp>:<raw body>"), hex. */
export function sign(body: string, timestamp: number, secret = SIGNING_SECRET): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface Harness {
  readonly slack: Slack;
  readonly port: number;
  readonly logs: string[];
  /** POSTs a body to the server, signed unless a signature or timestamp says otherwise. */
  post(
    path: string,
    body: string,
    options?: { contentType?: string; timestamp?: number; signature?: string },
  ): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

/** Sentinel-like server: a plain http.createServer routing /api/slack/ to the middleware. */
export async function startHarness(onDecision: SlackDeps["onDecision"]): Promise<Harness> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString("utf8"));
      callback();
    },
  });
  const logger = pino({ level: "debug" }, stream);
  const slack = createSlack({
    signingSecret: SIGNING_SECRET,
    botToken: BOT_TOKEN,
    logger,
    onDecision,
    apiUrl: API_URL,
  });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname.startsWith("/api/slack/")) {
      Promise.resolve(slack.middleware(req, res)).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    slack,
    port,
    logs,
    async post(path, body, options = {}) {
      const timestamp = options.timestamp ?? nowSeconds();
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: "POST",
        headers: {
          "content-type": options.contentType ?? "application/x-www-form-urlencoded",
          "x-slack-request-timestamp": String(timestamp),
          "x-slack-signature": options.signature ?? sign(body, timestamp),
        },
        body,
      });
      return { status: res.status, text: await res.text() };
    },
    async close() {
      await slack.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Blocks network access except to the test server; call the returned function to undo. */
export function fakeSlackNetwork(): () => void {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  return () => {
    nock.cleanAll();
    nock.enableNetConnect();
  };
}

/** The Web API client sends form bodies with JSON-encoded objects; nock hands them over raw or parsed. */
export function formBody(body: unknown): Record<string, string> {
  if (typeof body === "string") return Object.fromEntries(new URLSearchParams(body));
  return body as Record<string, string>;
}

/** A block_actions payload as Slack sends it for a press on one of Sentinel's buttons. */
export function pressBody(
  actionId: string,
  value: string,
  blocks: unknown[],
  user: { id: string; username: string } = { id: "U123ABC", username: "ada" },
): string {
  const payload = {
    type: "block_actions",
    user: { id: user.id, username: user.username, name: user.username, team_id: "T0TEAM" },
    api_app_id: "A0APP",
    token: "legacy-verification-token",
    container: { type: "message", message_ts: MESSAGE_TS, channel_id: CHANNEL_ID, is_ephemeral: false },
    trigger_id: "123.456.abc",
    team: { id: "T0TEAM", domain: "acme" },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: CHANNEL_ID, name: "ci" },
    message: {
      type: "message",
      subtype: "bot_message",
      text: "Approval needed",
      ts: MESSAGE_TS,
      bot_id: "B0BOT",
      blocks,
    },
    state: { values: {} },
    response_url: "https://hooks.slack-api.test/actions/T0TEAM/1/abc",
    actions: [
      {
        type: "button",
        action_id: actionId,
        block_id: "sentinel_decision",
        value,
        text: { type: "plain_text", text: "Approve" },
        action_ts: "1700000001.000200",
      },
    ],
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
