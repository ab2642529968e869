import { execFileSync } from "node:child_process";

/** Whether `cargo fmt` runs here; the Rust pipeline tests skip loudly without it. */
export const hasCargoFmt = (() => {
  try {
    execFileSync("cargo", ["fmt", "--version"], { stdio: "ignore" });
    return true;
  } catch {
    if (process.env.CI === "true") throw new Error("cargo fmt is required in CI for the fix pipeline tests");
    console.warn("\n!!! cargo fmt is not installed: the Rust fix pipeline tests are SKIPPED.\n");
    return false;
  }
})();
