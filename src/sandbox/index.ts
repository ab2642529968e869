export { runCommand, stepBudget, type RunCommandOptions, type RunCommandResult } from "./run-command.js";
export {
  detectSandbox,
  probeSandbox,
  bubblewrapArgs,
  type BubblewrapStep,
  type SandboxMode,
} from "./bubblewrap-args.js";
export { fixerEnv, lockedPackageManagerEnv } from "./fixer-env.js";
export { detectToolchains, type Toolchains } from "./toolchains.js";
export { SandboxError, type SandboxErrorCode } from "./sandbox-error.js";
export { egressFromEnv, defaultRegistryRules, type EgressPolicy } from "./egress-policy.js";
export { parseHostRule, formatHostRule, type HostRule } from "./host-rules.js";
export { checkAddress } from "./address-policy.js";
export {
  startEgressProxy,
  type EgressProxy,
  type EgressProxyOptions,
  type EgressRefusal,
  type EgressNet,
} from "./egress-proxy.js";
export {
  limitsFromEnv,
  DEFAULT_LIMITS,
  DEFAULT_RUN_DEADLINE_S,
  type ResourceLimits,
  type StepLimit,
} from "./resource-limits.js";
export { describeLimitEnforcement, type LimitEnforcement } from "./limit-enforcement.js";
