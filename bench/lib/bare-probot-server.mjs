// The baseline for `bench/ingest.mjs`: a bare Probot 14 app that does nothing, so all a delivery
// costs is Probot's own work (route, signature check, JSON parse, 200). Configured from the same
// environment variables as Sentinel (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, PORT, HOST), served by
// node:http with the same keep-alive settings as Sentinel's server.
import { createServer } from "node:http";
import { createNodeMiddleware, createProbot } from "probot";

const probot = createProbot({ env: process.env });
const middleware = await createNodeMiddleware(() => {}, { probot });
const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz")
    return void res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}\n');
  void middleware(req, res, () => res.writeHead(404).end());
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(Number(process.env.PORT), process.env.HOST ?? "127.0.0.1");
process.once("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
