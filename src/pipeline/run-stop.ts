import type { FixStatus } from "./fix-types.js";

/**
 * How a phase ends a run early with an outcome (a policy denial, a failed verification, a limit):
 * thrown from wherever the reason is found, caught by the driver, which records it as the run's
 * outcome. Not an error: anything else thrown is one, and fails the run.
 */
export class RunStop extends Error {
  constructor(
    readonly status: FixStatus,
    readonly reason: string,
    readonly rule?: string,
  ) {
    super(reason);
    this.name = "RunStop";
  }
}
