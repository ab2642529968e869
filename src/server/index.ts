export { createHttpServer, type HttpServerDeps, type Middleware } from "./create-http-server.js";
