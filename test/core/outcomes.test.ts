import { describe, expect, it } from "vitest";
import { outcomeOf, SentinelError, UnrecoverableError } from "../../src/core/index.js";

describe("the outcome of an error", () => {
  it("is unrecoverable for an UnrecoverableError whatever its code", () => {
    expect(outcomeOf(new UnrecoverableError("E_FORGE_API", "x"))).toBe("unrecoverable");
  });

  it("is the table's entry for a coded error the table lists", () => {
    expect(outcomeOf(new SentinelError("E_NOT_INSTALLED", "x"))).toBe("ignored");
    expect(outcomeOf(new SentinelError("E_REMOTE_REFUSED", "x"))).toBe("unrecoverable");
  });

  it("is retried for a coded error the table does not list", () => {
    expect(outcomeOf(new SentinelError("E_USAGE", "x"))).toBe("retried");
  });

  it("is retried for anything that is not a SentinelError", () => {
    expect(outcomeOf(new Error("x"))).toBe("retried");
    expect(outcomeOf("a string")).toBe("retried");
  });
});
