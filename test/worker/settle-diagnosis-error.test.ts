import { describe, expect, it } from "vitest";
import { SentinelError, UnrecoverableError } from "../../src/core/index.js";
import { NotInstalledError } from "../../src/forge/index.js";
import { settleDiagnosisError } from "../../src/worker/index.js";

/** A store that records status changes and a logger that records messages: all this step touches. */
function fakes() {
  const statuses: Array<{ key: string; status: string; reason: string | null }> = [];
  const logged: string[] = [];
  const deps = {
    store: {
      failures: {
        async setStatus(key: string, status: string, reason: string | null = null) {
          statuses.push({ key, status, reason });
        },
      },
    },
    logger: {
      info: (_o: object, msg: string) => void logged.push(msg),
      warn: (_o: object, msg: string) => void logged.push(msg),
    },
  };
  return { statuses, logged, deps: deps as unknown as Parameters<typeof settleDiagnosisError>[0] };
}

describe("settling a failed diagnosis", () => {
  it("marks the failure error at once when the error is unrecoverable, even on the first of five attempts", async () => {
    const { statuses, deps } = fakes();
    const verdict = await settleDiagnosisError(
      deps,
      { failureKey: "f1", attempt: 1, attempts: 5 },
      new UnrecoverableError("E_QUEUE_NO_HANDLER", "cannot be done"),
    );
    expect(verdict).toBe("rethrow");
    expect(statuses).toEqual([{ key: "f1", status: "error", reason: "cannot be done" }]);
  });

  it("leaves the failure pending on an early attempt of a retried error", async () => {
    const { statuses, logged, deps } = fakes();
    const verdict = await settleDiagnosisError(
      deps,
      { failureKey: "f1", attempt: 2, attempts: 5 },
      new Error("GitHub hiccup"),
    );
    expect(verdict).toBe("rethrow");
    expect(statuses).toEqual([]);
    expect(logged).toEqual(["diagnosis failed; will retry"]);
  });

  it("marks the failure error after the last attempt of a retried error", async () => {
    const { statuses, deps } = fakes();
    await settleDiagnosisError(
      deps,
      { failureKey: "f1", attempt: 5, attempts: 5 },
      new SentinelError("E_FORGE_API", "GitHub down"),
    );
    expect(statuses).toEqual([{ key: "f1", status: "error", reason: "GitHub down" }]);
  });

  it("marks the failure ignored and ends the job when the repository is not installed", async () => {
    const { statuses, deps } = fakes();
    const verdict = await settleDiagnosisError(
      deps,
      { failureKey: "f1", attempt: 1, attempts: 5 },
      new NotInstalledError("o/r is not covered"),
    );
    expect(verdict).toBe("settled");
    expect(statuses).toEqual([{ key: "f1", status: "ignored", reason: "o/r is not covered" }]);
  });
});
