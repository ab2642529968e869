import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { deflateRawSync } from "node:zlib";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { buildManifest, manifestPage, registrationUrl } from "../../scripts/deploy-github-app-manifest.mjs";
import { readZipEntry } from "../../scripts/deploy-helm.mjs";
import { SECRET_ENV, repoRoot } from "./deploy-support.js";

// The deployment's small programs, run for real: the image's entrypoint (with sh, as in the
// image), the compose secrets generator, the GitHub App manifest page and the zip reader that
// takes Helm out of its package.

const tmp = mkdtempSync(path.join(os.tmpdir(), "sentinel-deploy-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const entrypoint = path.join(repoRoot, "deploy", "docker-entrypoint.sh");
const runEntrypoint = (env: Record<string, string>, ...command: string[]) =>
  spawnSync("sh", [entrypoint, ...command], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    encoding: "utf8",
  });

describe("deploy/docker-entrypoint.sh", () => {
  it("reads NAME_FILE into NAME for every secret, multi-line PEMs intact, and removes NAME_FILE", () => {
    const env: Record<string, string> = {};
    for (const name of SECRET_ENV) {
      const file = path.join(tmp, name);
      writeFileSync(
        file,
        name === "PRIVATE_KEY" ? "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n" : `value-of-${name}\n`,
      );
      env[`${name}_FILE`] = file;
    }
    const r = runEntrypoint(env, process.execPath, "-e", "console.log(JSON.stringify(process.env))");
    expect(r.stderr).toBe("");
    const seen = JSON.parse(r.stdout) as Record<string, string>;
    for (const name of SECRET_ENV) {
      expect(seen[name]).toBe(
        name === "PRIVATE_KEY" ? "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----" : `value-of-${name}`,
      );
      expect(seen[`${name}_FILE`]).toBeUndefined();
    }
  });

  it("passes the command's exit code through and turns an empty file into an empty (off) value", () => {
    const empty = path.join(tmp, "empty");
    writeFileSync(empty, "");
    const r = runEntrypoint({ SLACK_BOT_TOKEN_FILE: empty }, "sh", "-c", 'test -z "$SLACK_BOT_TOKEN" && exit 7');
    expect(r.status).toBe(7);
  });

  it("refuses NAME and NAME_FILE together, an unreadable file, and ignores *_FILE for anything else", () => {
    const file = path.join(tmp, "WEBHOOK_SECRET");
    expect(runEntrypoint({ WEBHOOK_SECRET: "a", WEBHOOK_SECRET_FILE: file }, "true")).toMatchObject({
      status: 64,
      stderr: expect.stringContaining("set only one"),
    });
    expect(runEntrypoint({ REDIS_URL_FILE: path.join(tmp, "missing") }, "true")).toMatchObject({ status: 66 });
    expect(runEntrypoint({ PATH_FILE: file, HOME_FILE: file }, "sh", "-c", 'echo "$HOME|$PATH_FILE"').stdout).toBe(
      `|${file}\n`,
    );
  });
});

describe("scripts/deploy-compose-secrets.mjs", () => {
  it("creates every secret compose.yaml mounts, generated or empty, never overwriting", () => {
    const dir = path.join(tmp, "secrets");
    execFileSync(process.execPath, [path.join(repoRoot, "scripts", "deploy-compose-secrets.mjs"), dir]);
    const compose = readFileSync(path.join(repoRoot, "deploy", "compose.yaml"), "utf8");
    const mounted = [...compose.matchAll(/file: \.\/secrets\/(\w+)/g)].map((m) => m[1]!);
    expect(readdirSync(dir).sort()).toEqual(mounted.sort());
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const read = (n: string) => readFileSync(path.join(dir, n), "utf8");
    for (const n of [
      "postgres_password",
      "postgres_owner_password",
      "postgres_app_password",
      "redis_password",
      "webhook_secret",
      "gitlab_webhook_secret",
      "dashboard_token",
    ])
      expect(read(n)).toMatch(/^[0-9a-f]{64}$/);
    const password = read("postgres_password");
    expect(
      new Set([password, read("postgres_owner_password"), read("postgres_app_password"), read("redis_password")]).size,
    ).toBe(4);
    // Sentinel connects as the two roles deploy/postgres/roles.sql creates, never as the admin.
    expect(read("database_url")).toBe(
      `postgres://sentinel_app:${read("postgres_app_password")}@postgres:5432/sentinel`,
    );
    expect(read("database_migration_url")).toBe(
      `postgres://sentinel_owner:${read("postgres_owner_password")}@postgres:5432/sentinel`,
    );
    expect(read("redis_url")).toBe(`redis://:${read("redis_password")}@redis:6379`);
    expect(read("redis_acl")).toBe(
      `user default on #${createHash("sha256").update(read("redis_password")).digest("hex")} ~* &* +@all\n`,
    );
    expect(read("redis_acl")).not.toContain(read("redis_password"));
    for (const n of [
      "app_id",
      "private_key",
      "gitlab_token",
      "slack_signing_secret",
      "slack_bot_token",
      "ledger_checkpoint_token",
    ])
      expect(read(n)).toBe("");
    writeFileSync(path.join(dir, "app_id"), "4242");
    execFileSync(process.execPath, [path.join(repoRoot, "scripts", "deploy-compose-secrets.mjs"), dir]);
    expect(read("app_id")).toBe("4242");
    expect(read("postgres_password")).toBe(password);
  });

  it("rebuilds a deleted URL from the password files as they are, and warns about files from before the roles and the Redis password", () => {
    const dir = path.join(tmp, "secrets-upgrade");
    mkdirSync(dir, { mode: 0o700 });
    // What an earlier version of the script left behind.
    writeFileSync(path.join(dir, "postgres_password"), "old");
    writeFileSync(path.join(dir, "database_url"), "postgres://sentinel:old@postgres:5432/sentinel");
    writeFileSync(path.join(dir, "redis_url"), "redis://redis:6379");
    const run = () =>
      spawnSync(process.execPath, [path.join(repoRoot, "scripts", "deploy-compose-secrets.mjs"), dir], {
        encoding: "utf8",
      });
    const first = run();
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(/database_url connects as sentinel, PostgreSQL's superuser/);
    expect(first.stderr).toMatch(/redis_url has no password, and Redis now requires one/);
    rmSync(path.join(dir, "database_url"));
    rmSync(path.join(dir, "redis_url"));
    const second = run();
    expect(second.stderr).toBe("");
    expect(readFileSync(path.join(dir, "database_url"), "utf8")).toBe(
      `postgres://sentinel_app:${readFileSync(path.join(dir, "postgres_app_password"), "utf8")}@postgres:5432/sentinel`,
    );
    expect(readFileSync(path.join(dir, "redis_url"), "utf8")).toBe(
      `redis://:${readFileSync(path.join(dir, "redis_password"), "utf8")}@redis:6379`,
    );
  });
});

describe("the Redis ACL file the secrets generator writes, loaded by a real redis-server", () => {
  const redisServer = spawnSync("redis-server", ["--version"], { encoding: "utf8" }).status === 0;
  if (!redisServer) console.warn("\n*** SKIPPING the redis-server ACL test: no redis-server on PATH ***\n");

  it.skipIf(!redisServer)(
    "refuses clients without the password, admits REDIS_URL, and passes the compose healthcheck",
    async () => {
      const dir = path.join(tmp, "secrets-redis");
      execFileSync(process.execPath, [path.join(repoRoot, "scripts", "deploy-compose-secrets.mjs"), dir]);
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      const server = spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--aclfile",
          path.join(dir, "redis_acl"),
          "--save",
          "",
          "--appendonly",
          "no",
        ],
        { stdio: "ignore" },
      );
      try {
        const url = readFileSync(path.join(dir, "redis_url"), "utf8").replace("@redis:6379", `@127.0.0.1:${port}`);
        await until(() => listening(port));
        const anonymous = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 0 });
        anonymous.on("error", () => {});
        try {
          await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
        } finally {
          anonymous.disconnect();
        }
        const authed = new Redis(url, { maxRetriesPerRequest: 0 });
        try {
          expect(await authed.ping()).toBe("PONG");
          // BullMQ runs Lua scripts and uses pub/sub channels for the live feed.
          expect(await authed.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, "k", "v")).toBe("OK");
          expect(await authed.publish("sentinel:live", "x")).toBe(0);
        } finally {
          authed.disconnect();
        }
        const compose = YAML.parse(readFileSync(path.join(repoRoot, "deploy", "compose.yaml"), "utf8")) as {
          services: { redis: { healthcheck: { test: string[] } } };
        };
        // The healthcheck as the container's shell runs it: compose's $$ is a literal $.
        const check = compose.services.redis.healthcheck.test[1]!.replace(/\$\$/g, "$")
          .replace("/run/secrets/", `${dir}/`)
          .replace("redis-cli", `redis-cli -p ${port}`);
        expect(spawnSync("sh", ["-c", check]).status).toBe(0);
        writeFileSync(path.join(tmp, "wrong"), "not-the-password");
        expect(
          spawnSync("sh", ["-c", check.replace(`${dir}/redis_password`, path.join(tmp, "wrong"))]).status,
        ).not.toBe(0);
      } finally {
        server.kill();
      }
    },
  );
});

describe("scripts/deploy-github-app-manifest.mjs", () => {
  it("turns app.yml into a manifest for this deployment's URL, posted to the right GitHub", () => {
    const m = buildManifest({ url: "https://sentinel.example.com/" });
    expect(m.hook_attributes).toEqual({ url: "https://sentinel.example.com/api/github/webhooks", active: true });
    expect(m.redirect_url).toBe("https://sentinel.example.com/");
    expect(m.default_events).toContain("workflow_job");
    expect(registrationUrl({ url: "", org: "acme" })).toBe("https://github.com/organizations/acme/settings/apps/new");
    expect(registrationUrl({ url: "", gheHost: "github.example.com" })).toBe(
      "https://github.example.com/settings/apps/new",
    );
    expect(() => buildManifest({ url: "http://sentinel.example.com" })).toThrow(/https/);
    const page = manifestPage({ url: "https://sentinel.example.com", name: 'Sentinel "<b>"' });
    const value = /name="manifest" value="([^"]*)"/
      .exec(page)![1]!
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
    expect(JSON.parse(value).name).toBe('Sentinel "<b>"');
    expect(page).not.toContain("<b>");
  });
});

describe("scripts/deploy-helm.mjs readZipEntry", () => {
  it("reads stored and deflated entries through the central directory", () => {
    const zip = makeZip([
      { name: "a.txt", data: Buffer.from("stored"), deflate: false },
      { name: "helm/helm", data: Buffer.from("x".repeat(10_000)), deflate: true },
    ]);
    expect(readZipEntry(zip, "a.txt").toString()).toBe("stored");
    expect(readZipEntry(zip, "helm/helm").toString()).toBe("x".repeat(10_000));
    expect(() => readZipEntry(zip, "nope")).toThrow(/not in the archive/);
    expect(() => readZipEntry(Buffer.from("not a zip at all, no end record here"), "a")).toThrow(/not a zip/);
  });
});

/** A minimal zip writer (local headers, central directory, end record), CRCs left zero: the reader does not check them. */
function makeZip(entries: Array<{ name: string; data: Buffer; deflate: boolean }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** Whether something accepts TCP connections on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

async function until(ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out");
}
