import { describe, expect, it } from "vitest";
import { parseEnv } from "../../src/config/env/index.js";

describe("the environment schema", () => {
  it("gives the documented defaults when nothing is set", () => {
    expect(parseEnv({})).toMatchObject({
      PORT: 3000,
      HOST: "127.0.0.1",
      SENTINEL_ROLE: "all",
      SENTINEL_WORKER_CONCURRENCY: 4,
      SENTINEL_DELIVERY_RETENTION_DAYS: 30,
      SENTINEL_LEDGER_CHECKPOINT_INTERVAL_MS: 60_000,
      GITLAB_URL: "https://gitlab.com",
      SENTINEL_DATA_DIR: ".sentinel/pglite",
      SENTINEL_WORK_DIR: ".sentinel/work",
      SENTINEL_SANDBOX: "required",
    });
  });

  it("treats an empty variable as unset, as the chart's blanked variables need", () => {
    expect(parseEnv({ PORT: "", DATABASE_URL: "", SENTINEL_QUEUE_LOCK_MS: "" })).toMatchObject({
      PORT: 3000,
      DATABASE_URL: undefined,
    });
  });

  it("keeps SENTINEL_EGRESS_ALLOW set but empty, which allows nothing", () => {
    expect(parseEnv({ SENTINEL_EGRESS_ALLOW: "" }).SENTINEL_EGRESS_ALLOW).toBe("");
  });

  it("reads numbers as numbers", () => {
    const config = parseEnv({ PORT: "0", SENTINEL_QUEUE_LOCK_MS: "1500", SENTINEL_BODY_MIN_RATE: "0", APP_ID: "42" });
    expect(config).toMatchObject({ PORT: 0, SENTINEL_QUEUE_LOCK_MS: 1500, SENTINEL_BODY_MIN_RATE: 0, APP_ID: 42 });
  });

  it.each([
    ["PORT", "http", 'PORT must be a TCP port number (0 picks a free one), not "http"'],
    ["PORT", "70000", "PORT must be a TCP port number"],
    ["SENTINEL_QUEUE_LOCK_MS", "30s", 'SENTINEL_QUEUE_LOCK_MS must be a positive number of milliseconds, not "30s"'],
    ["SENTINEL_WORKER_CONCURRENCY", "0", "SENTINEL_WORKER_CONCURRENCY must be a positive whole number of jobs"],
    ["SENTINEL_STEP_MEMORY_MB", "4G", 'SENTINEL_STEP_MEMORY_MB must be a positive whole number (MB), not "4G"'],
    ["SENTINEL_ROLE", "both", 'SENTINEL_ROLE must be all, server or worker, not "both"'],
    ["LOG_LEVEL", "verbose", "LOG_LEVEL must be fatal, error, warn, info, debug, trace or silent"],
  ])("refuses %s=%s, naming the variable, the value and the form expected", (name, value, message) => {
    expect(() => parseEnv({ [name]: value })).toThrow(
      expect.objectContaining({ code: "E_ENV_INVALID", message: expect.stringContaining(message) }),
    );
  });

  it("reports every bad variable at once, so one restart fixes them all", () => {
    expect(() => parseEnv({ PORT: "x", SENTINEL_BODY_MIN_RATE: "-1" })).toThrow(
      /PORT must be .*; SENTINEL_BODY_MIN_RATE must be/,
    );
  });

  it("refuses a GITLAB_URL that is not an http(s) URL with its own code", () => {
    expect(() => parseEnv({ GITLAB_URL: "gitlab.example.com" })).toThrow(
      expect.objectContaining({
        code: "E_ENV_GITLAB_URL",
        message: expect.stringContaining(
          'GITLAB_URL must be the http(s) URL of your GitLab, e.g. https://gitlab.example.com, not "gitlab.example.com"',
        ),
      }),
    );
    expect(() => parseEnv({ GITLAB_URL: "ftp://gitlab.example.com" })).toThrow(
      expect.objectContaining({ code: "E_ENV_GITLAB_URL" }),
    );
  });

  it("never repeats a password found in a bad URL", () => {
    expect(() => parseEnv({ REDIS_URL: "http://user:hunter2@redis:6379" })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("hunter2") }),
    );
  });

  it("refuses a PRIVATE_KEY that is not a PEM key with its own code, without repeating it", () => {
    expect(() => parseEnv({ PRIVATE_KEY: "not-a-key-at-all" })).toThrow(
      expect.objectContaining({
        code: "E_ENV_PRIVATE_KEY",
        message: expect.stringMatching(/^PRIVATE_KEY is not a PEM private key: .*\.pem file/),
      }),
    );
    expect(() => parseEnv({ PRIVATE_KEY: "not-a-key-at-all" })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("not-a-key-at-all") }),
    );
  });

  it("accepts a PEM key given with \\n for line breaks, or base64-encoded, as Probot does", () => {
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n";
    expect(parseEnv({ PRIVATE_KEY: pem.replace(/\n/g, "\\n") }).PRIVATE_KEY).toBeDefined();
    expect(parseEnv({ PRIVATE_KEY: Buffer.from(pem).toString("base64") }).PRIVATE_KEY).toBeDefined();
  });

  it("refuses a server or worker role without Redis and PostgreSQL to share work through", () => {
    expect(() => parseEnv({ SENTINEL_ROLE: "worker" })).toThrow(
      "SENTINEL_ROLE=worker needs REDIS_URL and DATABASE_URL",
    );
  });

  it("collects cargo's registries, which are named by pattern", () => {
    expect(parseEnv({ CARGO_REGISTRIES_MINE_INDEX: "sparse+https://cargo.example.com/" }).CARGO_REGISTRIES).toEqual({
      CARGO_REGISTRIES_MINE_INDEX: "sparse+https://cargo.example.com/",
    });
  });
});
