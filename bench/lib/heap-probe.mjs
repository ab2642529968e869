// Memory of a child Node process after a full garbage collection, through the V8 inspector: a
// heap sampled at a random moment mostly measures garbage not yet collected, which says nothing
// about a leak. The child must run with `--inspect=127.0.0.1:0` (INSPECT_ARGS); the inspector's
// address is read from its log, where Node prints it.
import { readFileSync } from "node:fs";
import { rssOf } from "./processes.mjs";

let WebSocket;
try {
  ({ WebSocket } = await import("undici"));
} catch {
  throw new Error("the heap probe needs undici (installed with the project's dependencies: npm ci)");
}

/** Node flags for a child the probe will measure: the inspector on a random loopback port. */
export const INSPECT_ARGS = ["--inspect=127.0.0.1:0"];

/** Connects to the inspector of the process that logs to `logFile`. */
export async function connectHeapProbe(pid, logFile) {
  const url = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+)/.exec(readFileSync(logFile, "utf8"))?.[1];
  if (!url)
    throw new Error(`no inspector address in ${logFile}: was the process started with ${INSPECT_ARGS.join(" ")}?`);
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error(`cannot connect to the inspector at ${url}`)), { once: true });
  });
  let nextId = 1;
  const pending = new Map();
  ws.addEventListener("message", (event) => {
    const msg = JSON.parse(String(event.data));
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(msg.error.message));
    else p.resolve(msg.result);
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    /** V8 heap, memory outside it (Buffers) and RSS right after a full collection. */
    async afterGc() {
      await call("HeapProfiler.collectGarbage");
      const { result } = await call("Runtime.evaluate", {
        expression: "JSON.stringify(process.memoryUsage())",
        returnByValue: true,
      });
      const m = JSON.parse(result.value);
      return { heapUsed: m.heapUsed, external: m.external, rss: rssOf(pid) };
    },
    close: () => ws.close(),
  };
}
