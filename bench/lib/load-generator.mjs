// The load generator, run as its own process (`node load-generator.mjs '<json config>'`) so that
// its CPU is not the server's. It sends one body with one signature over keep-alive connections,
// each request with a unique delivery id, and prints one JSON line with what it measured.
//
//   closed loop: `connections` senders, each sending its next request when the last is answered:
//                the highest rate the server sustains at that concurrency.
//   open loop:   requests scheduled at a fixed `rate`, latency counted from the scheduled time, so
//                a server that falls behind is charged for the wait (no coordinated omission).
//
// Requests completing during `warmupMs` are sent and their ids reported (they must be stored too)
// but are not in the figures.
import { writeFileSync } from "node:fs";
import { latencySummary } from "./stats.mjs";

let Pool;
try {
  ({ Pool } = await import("undici"));
} catch {
  throw new Error("the load generator needs undici (installed with the project's dependencies: npm ci)");
}

const config = JSON.parse(process.argv[2]);
const {
  origin,
  path,
  mode,
  connections,
  durationMs,
  warmupMs = 0,
  rate = 0,
  headers,
  body,
  idHeader,
  idPrefix,
  keyPrefix,
  acceptedFile,
} = config;
const payload = Buffer.from(body);
const pool = new Pool(origin, {
  connections,
  pipelining: 1,
  keepAliveTimeout: 60_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
});

const cpuStart = process.cpuUsage();
const t0 = performance.now();
const measureFrom = t0 + warmupMs;
const measureUntil = measureFrom + durationMs;
const latencies = [];
const statusCounts = {};
const errors = {};
const accepted = [];
let sent = 0;
let measuredDone = 0;

/**
 * One POST through undici's dispatcher API: the answer's status, its body read and dropped. The
 * request()/fetch() APIs build a stream per response, which on a 2-core machine takes CPU from
 * the server being measured.
 */
function post(requestHeaders) {
  return new Promise((resolve) => {
    let status = 0;
    pool.dispatch(
      { path, method: "POST", headers: requestHeaders, body: payload },
      {
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          status = statusCode;
        },
        onResponseData() {},
        onResponseEnd() {
          resolve({ status });
        },
        onResponseError(_controller, error) {
          resolve({ status: 0, error });
        },
      },
    );
  });
}

async function send(scheduledAt) {
  const id = `${idPrefix}-${sent++}`;
  const start = scheduledAt ?? performance.now();
  const { status, error } = await post({ ...headers, [idHeader]: id });
  if (error) {
    const code = error.code ?? error.name ?? "error";
    errors[code] = (errors[code] ?? 0) + 1;
  }
  const end = performance.now();
  if (status) statusCounts[status] = (statusCounts[status] ?? 0) + 1;
  if (status >= 200 && status < 300) accepted.push(keyPrefix + id);
  if (end >= measureFrom && end <= measureUntil) {
    measuredDone++;
    latencies.push(end - start);
  }
}

if (mode === "closed") {
  const sender = async () => {
    while (performance.now() < measureUntil) await send();
  };
  await Promise.all(Array.from({ length: connections }, sender));
} else if (mode === "open") {
  const interval = 1000 / rate;
  const inFlight = new Set();
  let next = t0;
  while (next < measureUntil) {
    const now = performance.now();
    while (next <= now && next < measureUntil) {
      const p = send(next);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      next += interval;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
} else {
  throw new Error(`mode must be "closed" or "open", not ${mode}`);
}
const wall = (performance.now() - t0) / 1000;
await pool.close();
const cpu = process.cpuUsage(cpuStart);
if (acceptedFile) writeFileSync(acceptedFile, accepted.join("\n"));
console.log(
  JSON.stringify({
    mode,
    connections,
    rate,
    sent,
    accepted: accepted.length,
    statusCounts,
    errors,
    measured: {
      requests: measuredDone,
      seconds: durationMs / 1000,
      perSecond: measuredDone / (durationMs / 1000),
      latency: latencySummary(latencies),
    },
    cpuCores: (cpu.user + cpu.system) / 1e6 / wall,
  }),
);
