// The strict HTTP-mock helper lets only loopback out and checks every test's mocks.
import "./http-mock.js";
import { afterAll, beforeAll } from "vitest";
import { startFromEnv, type Running } from "../../src/main.js";

/**
 * Starts Sentinel for a describe block with `env` (plus the stack's own), lets only loopback
 * traffic out (the forge APIs are nock's), and tears it all down afterwards. Read `.app` inside tests.
 */
export function runningApp(
  env: Record<string, string>,
  stack: { env: () => Promise<{ env: Record<string, string>; drop: () => Promise<void> }> } = {
    env: async () => ({ env: { SENTINEL_DATA_DIR: ":memory:" }, drop: async () => {} }),
  },
  overrides: { logStream?: NodeJS.WritableStream; paceGithubWrites?: boolean } = {},
) {
  const holder = { app: undefined as unknown as Running };
  let drop: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const made = await stack.env();
    drop = made.drop;
    // TEST_LOG_LEVEL=info shows what the app did while a test ran.
    const logLevel = { PORT: "0", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent" } as Record<string, string>;
    // nock's GitHub has no secondary rate limit: comments go out at once, not one per 3 s.
    holder.app = await startFromEnv({ ...logLevel, ...env, ...made.env }, { paceGithubWrites: false, ...overrides });
  });
  afterAll(async () => {
    await holder.app.close();
    await drop();
  });
  return holder;
}
