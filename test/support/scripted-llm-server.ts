import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A real OpenAI-compatible Chat Completions server on 127.0.0.1 that replays a script, the way nock
 * stands in for GitHub: each POST /v1/chat/completions consumes the next turn. It records every
 * request body so a test can assert on exactly what would have left the machine.
 */

export interface ScriptedToolCall {
  name: string;
  /** Serialized as the protocol does: `function.arguments` is a JSON string. */
  arguments: Record<string, unknown>;
}

export type ScriptedTurn =
  | { kind: "tool_calls"; calls: ScriptedToolCall[]; content?: string; usage?: Usage }
  | { kind: "message"; content: string; usage?: Usage }
  /** 429 Too Many Requests with a retry-after header (seconds). */
  | { kind: "rate_limited"; retryAfterSeconds: number }
  | { kind: "server_error"; status?: number }
  /** 200 with a body that is not a Chat Completion (the client then sees a malformed response). */
  | { kind: "malformed"; body: string };

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ScriptedLlmServer {
  /** Base URL to hand the client, ending in /v1. */
  baseURL: string;
  /** Every request body received on /v1/chat/completions, parsed, in order. */
  requests: ChatRequest[];
  /** Turns not yet consumed. */
  remaining(): number;
  /** Appends turns to the script (a server started before the test that scripts it). */
  script(more: ScriptedTurn[]): void;
  close(): Promise<void>;
}

export interface ChatRequest {
  model: string;
  messages: { role: string; content?: string | null; tool_call_id?: string; tool_calls?: unknown[] }[];
  tools?: { type: string; function: { name: string } }[];
  [key: string]: unknown;
}

const DEFAULT_USAGE: Usage = { prompt_tokens: 100, completion_tokens: 20 };

export async function startScriptedLlmServer(script: ScriptedTurn[]): Promise<ScriptedLlmServer> {
  const turns = [...script];
  const requests: ChatRequest[] = [];
  let callId = 0;

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      return send(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: "not_found" } });
    }
    requests.push(JSON.parse(body) as ChatRequest);
    const turn = turns.shift();
    // An exhausted script is a test bug: answer 400 (not retried) so it surfaces at once.
    if (!turn) return send(res, 400, { error: { message: "scripted server: script exhausted", type: "script" } });
    switch (turn.kind) {
      case "rate_limited":
        return send(
          res,
          429,
          { error: { message: "rate limited", type: "rate_limit" } },
          {
            "retry-after": String(turn.retryAfterSeconds),
          },
        );
      case "server_error":
        return send(res, turn.status ?? 500, { error: { message: "scripted failure", type: "server_error" } });
      case "malformed":
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(turn.body);
      case "message":
        return send(res, 200, completion({ role: "assistant", content: turn.content }, "stop", turn.usage));
      case "tool_calls": {
        const tool_calls = turn.calls.map((call) => ({
          id: `call_${++callId}`,
          type: "function",
          function: { name: call.name, arguments: JSON.stringify(call.arguments) },
        }));
        const message = { role: "assistant", content: turn.content ?? null, tool_calls };
        return send(res, 200, completion(message, "tool_calls", turn.usage));
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    remaining: () => turns.length,
    script: (more) => void turns.push(...more),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function completion(message: object, finish_reason: string, usage: Usage = DEFAULT_USAGE): object {
  return {
    id: "chatcmpl-scripted",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "scripted-model",
    choices: [{ index: 0, message, finish_reason, logprobs: null }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
