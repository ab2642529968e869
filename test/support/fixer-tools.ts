import { execFileSync } from "node:child_process";

/**
 * Whether `command args` runs here. A recipe's test needs its real tool: under CI=true a missing
 * one fails the test file (`.ci/run` installs the Debian ones), elsewhere its tests are skipped
 * with a loud message.
 */
export function fixerTool(command: string, args: readonly string[], install: string): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore" });
    return true;
  } catch {
    if (process.env.CI === "true") throw new Error(`${command} is required in CI for its recipe's tests (${install})`);
    console.warn(`\n!!! ${command} is not installed (${install}): its recipe's tests are SKIPPED.\n`);
    return false;
  }
}
