export { runCommand, detectSandbox, fixerEnv, bubblewrapArgs, type RunCommandOptions, type RunCommandResult, type SandboxMode } from "./run-command.js";
export { detectToolchains, type Toolchains } from "./toolchains.js";
