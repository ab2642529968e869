#!/usr/bin/env node
// `npm test`: the static gates (typecheck, then lint) and the vitest suite, run side by side.
// The suite spends much of its time waiting on git, npm and sandboxed tools; the gates are pure
// CPU and fill those gaps instead of running first. The gates' output is held and printed after
// the suite's, so the two never interleave. Any failure fails the whole; arguments go to vitest.
import { spawn } from "node:child_process";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Runs `npm run <script>` for each script in turn, capturing output; resolves to the first failure's code. */
function gates(scripts) {
  return new Promise((resolve) => {
    const out = [];
    const next = (i) => {
      if (i === scripts.length) return resolve({ code: 0, out });
      const started = Date.now();
      const child = spawn(npm, ["run", "--silent", scripts[i]], { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.on("data", (d) => out.push(d));
      child.stderr.on("data", (d) => out.push(d));
      child.on("error", (error) =>
        resolve({ code: 1, out: [...out, Buffer.from(`${scripts[i]}: ${error.message}\n`)] }),
      );
      child.on("close", (code, signal) => {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        out.push(
          Buffer.from(
            `npm run ${scripts[i]}: ${code === 0 ? "passed" : `FAILED (${signal ?? code})`} in ${seconds} s\n`,
          ),
        );
        if (code !== 0) return resolve({ code: code ?? 1, out });
        next(i + 1);
      });
    };
    next(0);
  });
}

function suite(args) {
  return new Promise((resolve) => {
    const child = spawn("npx", ["vitest", "run", ...args], { stdio: "inherit" });
    child.on("error", () => resolve(1));
    child.on("close", (code) => resolve(code ?? 1));
  });
}

const [checked, tested] = await Promise.all([gates(["typecheck", "lint"]), suite(process.argv.slice(2))]);
process.stdout.write("\n--- static gates (typecheck, lint) ---\n");
for (const chunk of checked.out) process.stdout.write(chunk);
if (checked.code !== 0) process.stdout.write("The static gates FAILED: see above.\n");
process.exitCode = checked.code !== 0 ? checked.code : tested;
