import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { startScriptedLlmServer, type ScriptedLlmServer } from "../../support/scripted-llm-server.js";

let server: ScriptedLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const client = (baseURL: string, maxRetries = 0) => new OpenAI({ baseURL, apiKey: "test-key", maxRetries });
const ask = (openai: OpenAI) =>
  openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });

describe("the scripted OpenAI-compatible server", () => {
  it("answers a tool-call turn the way the openai client parses it", async () => {
    server = await startScriptedLlmServer([
      { kind: "tool_calls", calls: [{ name: "read_file", arguments: { path: "a.ts" } }] },
    ]);
    const response = await ask(client(server.baseURL));
    const choice = response.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("read_file");
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual({ path: "a.ts" });
    expect(response.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 20 });
  });

  it("records every request body it receives", async () => {
    server = await startScriptedLlmServer([{ kind: "message", content: "done" }]);
    await ask(client(server.baseURL));
    expect(server.requests).toEqual([
      expect.objectContaining({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    ]);
  });

  it("answers 429 with retry-after, which the client reports as a rate limit", async () => {
    server = await startScriptedLlmServer([{ kind: "rate_limited", retryAfterSeconds: 0 }]);
    await expect(ask(client(server.baseURL))).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("answers a scripted 500, which the client reports as an internal server error", async () => {
    server = await startScriptedLlmServer([{ kind: "server_error" }]);
    await expect(ask(client(server.baseURL))).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });

  it("replays turns in order, so a client retry after a 429 receives the next turn", async () => {
    server = await startScriptedLlmServer([
      { kind: "rate_limited", retryAfterSeconds: 0 },
      { kind: "message", content: "after the wait" },
    ]);
    const response = await ask(client(server.baseURL, 1));
    expect(response.choices[0]!.message.content).toBe("after the wait");
    expect(server.remaining()).toBe(0);
  });

  it("can send a body that is not a Chat Completion", async () => {
    server = await startScriptedLlmServer([{ kind: "malformed", body: "{not json" }]);
    await expect(ask(client(server.baseURL))).rejects.toThrow();
  });
});
