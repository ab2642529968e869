import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startFromEnv } from "../../src/main.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A port nothing listens on: bound, read, and closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

/** Runs a Sentinel entry point from source (tsx), as `npm start` or `sentinel serve` would run it built. */
function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 90_000 },
      (error, stdout, stderr) => resolve({ code: child.exitCode ?? (error ? 1 : 0), stdout, stderr }),
    );
  });
}

const BASE: Record<string, string> = { PORT: "0", LOG_LEVEL: "silent" };

describe("start-up that cannot reach what it is configured with", () => {
  it("names PostgreSQL, its address and DATABASE_URL when the server refuses the connection", async () => {
    const port = await closedPort();
    await expect(
      startFromEnv({ ...BASE, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test` }),
    ).rejects.toMatchObject({
      code: "E_POSTGRES_UNREACHABLE",
      message: `cannot reach PostgreSQL at 127.0.0.1:${port} (DATABASE_URL): connection refused — check that the server is running and the URL's host and port`,
    });
  });

  it("never repeats the passwords of DATABASE_URL or REDIS_URL in what it cannot reach", async () => {
    const port = await closedPort();
    const pg = await startFromEnv({
      ...BASE,
      DATABASE_URL: `postgres://sentinel:pg-hunter2@127.0.0.1:${port}/test`,
    }).catch((error: unknown) => error);
    const redis = await startFromEnv({
      ...BASE,
      SENTINEL_DATA_DIR: ":memory:",
      REDIS_URL: `redis://:redis-hunter2@127.0.0.1:${port}`,
    }).catch((error: unknown) => error);
    expect(String((pg as Error).message)).not.toContain("pg-hunter2");
    expect(String((redis as Error).message)).not.toContain("redis-hunter2");
    expect(JSON.stringify(pg)).not.toContain("pg-hunter2");
    expect(JSON.stringify(redis)).not.toContain("redis-hunter2");
  });

  it("names Redis, its address and REDIS_URL when the server refuses the connection, before building the queue", async () => {
    const port = await closedPort();
    await expect(
      startFromEnv({ ...BASE, SENTINEL_DATA_DIR: ":memory:", REDIS_URL: `redis://127.0.0.1:${port}` }),
    ).rejects.toMatchObject({
      code: "E_REDIS_UNREACHABLE",
      message: `cannot reach Redis at 127.0.0.1:${port} (REDIS_URL): connection refused — check that the server is running and the URL's host and port`,
    });
  });

  it("refuses a GitHub App private key that is not a PEM key, naming PRIVATE_KEY", async () => {
    await expect(
      startFromEnv({
        ...BASE,
        SENTINEL_DATA_DIR: ":memory:",
        APP_ID: "1",
        PRIVATE_KEY: "MIIEpAIBAAKCAQEA",
        WEBHOOK_SECRET: "s",
      }),
    ).rejects.toMatchObject({
      code: "E_ENV_PRIVATE_KEY",
      message: expect.stringContaining("PRIVATE_KEY is not a PEM private key"),
    });
  });

  it("refuses a GITLAB_URL that is not an http(s) URL", async () => {
    await expect(
      startFromEnv({ ...BASE, SENTINEL_DATA_DIR: ":memory:", GITLAB_URL: "gitlab.example.com" }),
    ).rejects.toMatchObject({
      code: "E_ENV_GITLAB_URL",
      message: expect.stringContaining(
        'GITLAB_URL must be the http(s) URL of your GitLab, e.g. https://gitlab.example.com, not "gitlab.example.com"',
      ),
    });
  });
});

describe("a start-up error on the command line", () => {
  it(
    "is one line with its code from `node main.js`, which exits 1 without a stack trace",
    { timeout: 120_000 },
    async () => {
      const port = await closedPort();
      const r = await run(["src/main.ts"], { ...BASE, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test` });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `sentinel: E_POSTGRES_UNREACHABLE: cannot reach PostgreSQL at 127.0.0.1:${port} (DATABASE_URL): connection refused — check that the server is running and the URL's host and port\n`,
      );
    },
  );

  it(
    "is one line with its code from `sentinel serve`, which exits 1 without a stack trace",
    { timeout: 120_000 },
    async () => {
      const port = await closedPort();
      const script =
        "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'sentinel', 'serve']);";
      const r = await run(["--input-type=module", "-e", script], {
        ...BASE,
        SENTINEL_DATA_DIR: ":memory:",
        REDIS_URL: `redis://127.0.0.1:${port}`,
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `sentinel: E_REDIS_UNREACHABLE: cannot reach Redis at 127.0.0.1:${port} (REDIS_URL): connection refused — check that the server is running and the URL's host and port\n`,
      );
    },
  );
});
