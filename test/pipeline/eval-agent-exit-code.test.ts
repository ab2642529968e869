import { describe, expect, it } from "vitest";
import { evalExitCode, type CaseResult } from "../../bench/eval-agent/run-eval.js";

const result = (o: Partial<CaseResult>): CaseResult => ({
  id: "c",
  kind: "test",
  result: "fixed",
  detail: "",
  status: "proposed",
  turns: 2,
  tokensIn: 200,
  tokensOut: 40,
  cost: 0,
  ms: 1000,
  ...o,
});

describe("npm run eval:agent's exit code", () => {
  it("is 0 against the scripted server when every case scored what its script says, wrong and refused included", () => {
    const results = [
      result({ result: "fixed", expect: "fixed" }),
      result({ result: "wrong", expect: "wrong" }),
      result({ result: "refused", expect: "refused" }),
    ];
    expect(evalExitCode({ mode: "scripted", results })).toBe(0);
  });

  it("is 1 against the scripted server when a case scored other than its script says", () => {
    const results = [result({ result: "fixed", expect: "fixed" }), result({ result: "refused", expect: "fixed" })];
    expect(evalExitCode({ mode: "scripted", results })).toBe(1);
  });

  it("is 1 against the scripted server when a case was skipped", () => {
    expect(evalExitCode({ mode: "scripted", results: [result({ result: "skipped", expect: "fixed" })] })).toBe(1);
  });

  it("is 0 against an endpoint whatever the model scored, since that is a measurement", () => {
    const results = [result({ result: "wrong" }), result({ result: "refused" })];
    expect(evalExitCode({ mode: "endpoint", results })).toBe(0);
  });

  it("is 1 against an endpoint when a case could not run", () => {
    expect(evalExitCode({ mode: "endpoint", results: [result({ result: "skipped" })] })).toBe(1);
  });
});
