import { describe, expect, it } from "vitest";
import { git } from "../support/git-repos.js";
import { ADD_FIX, call } from "../support/model-fix.js";
import { entry, modelPipeline } from "../support/model-pipeline.js";
import type { ScriptedTurn } from "../support/scripted-llm-server.js";

const bench = modelPipeline();

const fixes: ScriptedTurn = { kind: "tool_calls", calls: [call.patch(ADD_FIX), call.check()] };

describe("the llm-patch agent when the model endpoint misbehaves", () => {
  it("retries a 429 after its retry-after and a 5xx with backoff, then fixes", async () => {
    const r = await bench.run([
      { kind: "rate_limited", retryAfterSeconds: 7 },
      { kind: "server_error", status: 503 },
      fixes,
    ]);
    expect(r.outcome.status).toBe("proposed");
    expect(r.sleeps).toEqual([7_000, 2_000]);
    expect(entry(r, "model.usage")).toMatchObject({ outcome: "fixed", turns: 1 });
  });

  it("retries a malformed response, then fixes", async () => {
    const r = await bench.run([{ kind: "malformed", body: "<html>gateway</html>" }, fixes]);
    expect(r.outcome.status).toBe("proposed");
    expect(r.sleeps).toEqual([1_000]);
  });

  it("ends with a clear error naming the failure and the attempts when 5xx answers never stop, pushing nothing", async () => {
    const r = await bench.run([
      { kind: "server_error", status: 502 },
      { kind: "server_error", status: 502 },
      { kind: "server_error", status: 502 },
    ]);
    expect(r.outcome.status).toBe("error");
    expect(r.outcome.reason).toMatch(
      /^the model endpoint failed 3 time\(s\): server-error \(502 .*\); nothing was proposed$/,
    );
    expect(r.sleeps).toEqual([1_000, 2_000]);
    expect(entry(r, "model.usage")).toMatchObject({ outcome: "failed", failure: "server-error", attempts: 3 });
    expect(git(r.dir, "branch", "--list", "sentinel/*")).toBe("");
  });

  it("ends with a clear error when the endpoint keeps rate-limiting", async () => {
    const limited: ScriptedTurn = { kind: "rate_limited", retryAfterSeconds: 1 };
    const r = await bench.run([limited, limited, limited]);
    expect(r.outcome.status).toBe("error");
    expect(r.outcome.reason).toMatch(/^the model endpoint failed 3 time\(s\): rate-limited/);
  });

  it("ends with a clear error when every answer is malformed", async () => {
    const bad: ScriptedTurn = { kind: "malformed", body: "{not json" };
    const r = await bench.run([bad, bad, bad]);
    expect(r.outcome.status).toBe("error");
    expect(r.outcome.reason).toMatch(/^the model endpoint failed 3 time\(s\): malformed-response/);
  });
});
