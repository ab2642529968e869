// Sentinel processes for the faults bench: `node dist/main.js` with an environment, each in a
// process group of its own, so a kill takes the worker and everything it started (git, bubblewrap,
// cargo), as when a container or machine dies; nothing it spawned lives on to finish its work.
import { spawn } from "node:child_process";
import { openSync, writeSync, closeSync } from "node:fs";
import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `node <script>` in its own process group, logging to `logFile` (appended), and waits for /healthz. */
export async function startSentinel({ name, script, env, port, logFile, timeoutMs = 60_000 }) {
  const startedAt = Date.now();
  const out = openSync(logFile, "a");
  writeSync(out, `\n=== ${new Date().toISOString()} starting ${name} on port ${port}\n`);
  const child = spawn(process.execPath, [script], { env: { ...env, PORT: String(port) }, stdio: ["ignore", out, out], detached: true });
  closeSync(out);
  let exited = null;
  const exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve((exited = { code, signal }))));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${name} exited (${JSON.stringify(exited)}) before it answered /healthz; see ${logFile}`);
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      killGroup(child.pid, "SIGKILL");
      throw new Error(`${name} did not answer ${url}/healthz within ${timeoutMs} ms; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    url,
    port,
    pid: child.pid,
    startedAt,
    alive: () => exited === null,
    exit,
    /** SIGKILL to the whole process group: the worker and every process it started. */
    async kill() {
      killGroup(child.pid, "SIGKILL");
      await exit;
    },
    /** SIGTERM (Sentinel closes cleanly), then SIGKILL to the group after `graceMs`. */
    async stop(graceMs = 15_000) {
      if (exited) {
        killGroup(child.pid, "SIGKILL");
        return exited;
      }
      child.kill("SIGTERM");
      const timer = setTimeout(() => killGroup(child.pid, "SIGKILL"), graceMs);
      const status = await exit;
      clearTimeout(timer);
      // Anything the process left running in its group goes too.
      killGroup(child.pid, "SIGKILL");
      return status;
    },
  };
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
