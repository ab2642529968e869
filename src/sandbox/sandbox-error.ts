import { SentinelError } from "../core/index.js";

/**
 * The codes the sandbox raises on purpose, a subset of core's ErrorCode kept here so the sandbox
 * says which ones are its own. All of them mean "do not run this step", none of them is worth a
 * retry (core's outcome table).
 */
export type SandboxErrorCode =
  /** An environment variable of the sandbox's configuration has a bad value. */
  | "E_SANDBOX_CONFIG"
  /** A network step was asked for where it cannot get a network namespace of its own. */
  | "E_SANDBOX_NETWORK_UNISOLATED"
  /** A network step came without an egress policy. */
  | "E_SANDBOX_EGRESS_POLICY"
  /** A recipe asked to pass a secret, or to override a variable the sandbox forces. */
  | "E_SANDBOX_ENV_DENIED"
  /** A delegated cgroup was configured but cannot be used. */
  | "E_SANDBOX_CGROUP"
  | "E_SANDBOX_EMPTY_COMMAND";

export class SandboxError extends SentinelError {
  declare readonly code: SandboxErrorCode;

  constructor(code: SandboxErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "SandboxError";
  }
}
