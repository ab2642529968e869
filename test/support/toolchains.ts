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

/** Whether flake8 and autopep8 run here (Debian's flake8, python3-autopep8); their tests skip loudly without them. */
export const hasFlake8AndAutopep8 = (() => {
  try {
    execFileSync("flake8", ["--version"], { stdio: "ignore" });
    execFileSync("autopep8", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    if (process.env.CI === "true")
      throw new Error("flake8 and autopep8 are required in CI for the autopep8 recipe tests");
    console.warn("\n!!! flake8 or autopep8 is not installed: the autopep8 recipe tests are SKIPPED.\n");
    return false;
  }
})();
