import { pino } from "pino";
import { createNodeMiddleware, createProbot } from "probot";
import sentinelApp from "./app.js";
import { VERSION } from "./cli/create-program.js";
import { createHttpServer, type Middleware } from "./server/index.js";

/**
 * Composition root: the one place that reads the environment. With nothing configured it runs on
 * embedded defaults (no GitHub App, no Redis, no PostgreSQL) and still serves /healthz.
 */
export async function startFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<{ close(): Promise<void>; port: number }> {
  const logger = pino({ level: env.LOG_LEVEL ?? "info", redact: ["req.headers.authorization", "req.headers['x-hub-signature-256']", "req.headers['x-gitlab-token']"] });
  const port = Number(env.PORT ?? 3000);
  const host = env.HOST ?? "127.0.0.1";
  let github: Middleware | undefined;
  if (env.APP_ID && env.PRIVATE_KEY && env.WEBHOOK_SECRET) {
    // createProbot reads APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST and GHE_PROTOCOL itself.
    github = (await createNodeMiddleware(sentinelApp, { probot: createProbot({ env }) })) as Middleware;
  } else {
    logger.warn({ missing: ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"].filter((k) => !env[k]) }, "GitHub App not configured: GitHub webhooks are off");
  }
  const mode = { github: github ? "on" : "off", queue: env.REDIS_URL ? "redis" : "in-process", store: env.DATABASE_URL ? "postgres" : "pglite" };
  const server = createHttpServer({ logger, version: VERSION, mode, ...(github ? { github } : {}) });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  logger.info({ url: `http://${host}:${actualPort}`, mode }, "sentinel is listening");
  return {
    port: actualPort,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

const invokedDirectly = import.meta.url === `file://${process.argv[1]}`;
if (invokedDirectly) {
  const running = await startFromEnv();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void running.close().then(() => process.exit(0)));
}
