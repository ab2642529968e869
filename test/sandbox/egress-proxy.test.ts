import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  parseHostRule,
  startEgressProxy,
  type EgressNet,
  type EgressProxy,
  type EgressRefusal,
} from "../../src/sandbox/index.js";

// A local server plays every upstream; the fake resolver decides what each name "resolves" to.
let upstream: http.Server;
let upstreamPort = 0;
const seenHosts: string[] = [];
beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    seenHosts.push(req.headers.host ?? "");
    res.end(`hello from ${req.url}`);
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamPort = (upstream.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

const DNS: Record<string, string[]> = {
  "registry.example.invalid": ["203.0.113.10"],
  "loopback.example.invalid": ["127.0.0.1"],
  "metadata.example.invalid": ["169.254.169.254"],
  "private.example.invalid": ["10.1.2.3"],
  "mixed.example.invalid": ["203.0.113.11", "127.0.0.1"],
  "mapped.example.invalid": ["::ffff:127.0.0.1"],
};
const dialled: string[] = [];
const fakeNet: EgressNet = {
  lookup: async (host) => {
    const found = DNS[host];
    if (!found) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    return found;
  },
  connect: (address, port) => {
    dialled.push(`${address}:${port}`);
    return net.connect(upstreamPort, "127.0.0.1");
  },
};

const allow = [
  "registry.example.invalid",
  "loopback.example.invalid",
  "metadata.example.invalid",
  "private.example.invalid",
  "mixed.example.invalid",
  "mapped.example.invalid",
  "*.wild.example.invalid",
].map(parseHostRule);
let dir: string;
let proxy: EgressProxy;
let refusals: EgressRefusal[];
async function start(extra: { allowPrivate?: string[]; maxConnections?: number; idleTimeoutMs?: number } = {}) {
  dir = mkdtempSync(path.join(tmpdir(), "sntl-proxy-test-"));
  refusals = [];
  dialled.length = 0;
  proxy = await startEgressProxy({
    policy: { allow, allowPrivate: extra.allowPrivate ?? [] },
    socketPath: path.join(dir, "proxy.sock"),
    net: fakeNet,
    onRefused: (r) => refusals.push(r),
    ...(extra.maxConnections ? { maxConnections: extra.maxConnections } : {}),
    ...(extra.idleTimeoutMs ? { idleTimeoutMs: extra.idleTimeoutMs } : {}),
  });
}
afterEach(async () => {
  await proxy?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends CONNECT over the unix socket (as hostile code in the sandbox could) and reads the status line. */
function connect(target: string): Promise<{ status: number; body: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxy.socketPath);
    let data = "";
    socket.on("error", reject);
    socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    const onData = (chunk: Buffer) => {
      data += chunk.toString("latin1");
      const end = data.indexOf("\r\n\r\n");
      if (end < 0) return;
      const status = Number(data.split(" ")[1]);
      if (status === 200) {
        socket.off("data", onData);
        return resolve({ status, body: "", socket });
      }
      socket.on("end", () => resolve({ status, body: data.slice(end + 4), socket }));
    };
    socket.on("data", onData);
  });
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: proxy.socketPath, path: url, headers: { host: "spoofed.example.invalid" } },
      (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("the egress proxy", () => {
  it("tunnels CONNECT to an allowlisted host, to the address it checked", async () => {
    await start();
    const { status, socket } = await connect("registry.example.invalid:443");
    expect(status).toBe(200);
    socket.write("GET /tunnelled HTTP/1.1\r\nHost: registry.example.invalid\r\nConnection: close\r\n\r\n");
    const reply = await new Promise<string>((r) => {
      let text = "";
      socket.on("data", (c) => (text += c));
      socket.on("end", () => r(text));
    });
    expect(reply).toContain("hello from /tunnelled");
    expect(dialled).toEqual(["203.0.113.10:443"]);
    expect(refusals).toEqual([]);
  });

  it("forwards a plain HTTP request to an allowlisted host, with the Host the URL names", async () => {
    await start();
    const r = await get("http://registry.example.invalid/pkg");
    expect(r).toEqual({ status: 200, body: "hello from /pkg" });
    expect(seenHosts.at(-1)).toBe("registry.example.invalid");
    expect(dialled).toEqual(["203.0.113.10:80"]);
  });

  it("refuses a host that is not allowlisted, and reports it", async () => {
    await start();
    const r = await connect("evil.example.invalid:443");
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/evil.example.invalid is not in the egress allowlist/);
    expect(refusals).toEqual([
      { host: "evil.example.invalid", port: 443, reason: "evil.example.invalid is not in the egress allowlist" },
    ]);
    expect(proxy.refusals()).toBe(1);
    expect(dialled).toEqual([]);
  });

  it.each([
    ["loopback.example.invalid", /127.0.0.1 is loopback/],
    ["metadata.example.invalid", /169.254.169.254 is link-local/],
    ["private.example.invalid", /10.1.2.3 is private/],
    ["mixed.example.invalid", /127.0.0.1 is loopback/],
    ["mapped.example.invalid", /loopback/],
  ])("refuses allowlisted %s: it resolves to a forbidden address", async (host, why) => {
    await start();
    const r = await connect(`${host}:443`);
    expect(r.status).toBe(403);
    expect(refusals[0]?.reason).toMatch(why);
    expect(dialled).toEqual([]);
  });

  it.each(["127.0.0.1:6379", "[::1]:6379", "169.254.169.254:80", "203.0.113.10:443", "2130706433:443"])(
    "refuses the raw address %s in CONNECT",
    async (target) => {
      await start();
      const r = await connect(target);
      expect(r.status).toBe(403);
      expect(refusals).toHaveLength(1);
      expect(dialled).toEqual([]);
    },
  );

  it("refuses a port the rule does not allow", async () => {
    await start();
    expect((await connect("registry.example.invalid:6379")).status).toBe(403);
    expect(refusals[0]?.reason).toMatch(/port 6379/);
  });

  it("refuses plain HTTP to a forbidden address even for an allowlisted name", async () => {
    await start();
    const r = await get("http://metadata.example.invalid/latest/meta-data/");
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/link-local/);
  });

  it("refuses a request that is not a proxy request", async () => {
    await start();
    const r = await get("/not-absolute");
    expect(r.status).toBe(403);
    expect(refusals).toHaveLength(1);
  });

  it("reaches a private mirror only when the operator opened its subnet", async () => {
    await start({ allowPrivate: ["10.1.0.0/16"] });
    expect((await connect("private.example.invalid:443")).status).toBe(200);
    expect(dialled).toEqual(["10.1.2.3:443"]);
  });

  it("matches wildcard rules", async () => {
    DNS["a.wild.example.invalid"] = ["203.0.113.12"];
    await start();
    expect((await connect("a.wild.example.invalid:443")).status).toBe(200);
  });

  it("turns away connections beyond its limit", async () => {
    await start({ maxConnections: 2 });
    const a = await connect("registry.example.invalid:443");
    const b = await connect("registry.example.invalid:443");
    const c = await connect("registry.example.invalid:443");
    expect([a.status, b.status, c.status]).toEqual([200, 200, 503]);
    expect(refusals.at(-1)?.reason).toMatch(/more than 2 connections/);
  });

  it("closes a tunnel that stays idle", async () => {
    await start({ idleTimeoutMs: 200 });
    const { socket } = await connect("registry.example.invalid:443");
    await new Promise<void>((r) => socket.on("close", () => r()));
    expect(socket.destroyed).toBe(true);
  });
});
