// A git smart-HTTP server on loopback, for tests, benches and the demo: `git http-backend` (the
// CGI program git ships) serves the bare repositories under `root` as `<origin>/<path>.git`,
// the way GitHub and GitLab serve theirs. Sentinel builds fix remotes from the configured forge
// origin, so a test points GHE_HOST or GITLAB_URL here and git really talks HTTP to it. Every
// request is recorded with the Authorization header it carried; with `requireAuth`, one without
// Basic credentials gets the 401 a forge gives. Pushes are accepted (http.receivepack).
import { spawn } from "node:child_process";
import { createServer } from "node:http";

/**
 * @param {{ root: string; requireAuth?: boolean; host?: string }} options
 * @returns {Promise<{ origin: string; port: number; requests: Array<{ method: string; path: string; authorization: string | null }>; close(): Promise<void> }>}
 */
/**
 * A request handler serving the bare repositories under `root` over git's smart HTTP protocol,
 * recording each request in `requests`; for a server of its own, or inside another (the demo's
 * forge stand-in serves its API and git on one origin, as a forge does).
 * @param {{ root: string; requireAuth?: boolean; requests: Array<{ method: string; path: string; authorization: string | null }> }} options
 * @returns {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void}
 */
export function gitHttpHandler(options) {
  const requests = options.requests;
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const authorization = typeof req.headers.authorization === "string" ? req.headers.authorization : null;
    requests.push({ method: req.method ?? "GET", path: url.pathname, authorization });
    if (options.requireAuth && !authorization?.startsWith("Basic ")) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="git"', "content-type": "text/plain" });
      res.end("authentication required\n");
      return;
    }
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: options.root,
      GIT_HTTP_EXPORT_ALL: "1",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.receivepack",
      GIT_CONFIG_VALUE_0: "true",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
      ...(authorization ? { REMOTE_USER: Buffer.from(authorization.slice(6), "base64").toString().split(":")[0] } : {}),
      ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"]) } : {}),
      ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
    };
    const cgi = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "ignore"] });
    req.pipe(cgi.stdin);
    cgi.stdin.on("error", () => {});
    let head = Buffer.alloc(0);
    let started = false;
    cgi.stdout.on("data", (chunk) => {
      if (started) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      started = true;
      let status = 200;
      const headers = {};
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const i = line.indexOf(":");
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    cgi.on("close", () => {
      if (!started) res.writeHead(500).end();
      else res.end();
    });
  };
}

/** Whether a request path is one of git's smart-HTTP endpoints (`<repo>.git/info/refs`, `…/git-upload-pack`, `…/git-receive-pack`). */
export function isGitRequest(pathname) {
  return /\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/.test(pathname);
}

/**
 * @param {{ root: string; requireAuth?: boolean; host?: string }} options
 * @returns {Promise<{ origin: string; port: number; requests: Array<{ method: string; path: string; authorization: string | null }>; close(): Promise<void> }>}
 */
export async function startGitHttpServer(options) {
  const requests = [];
  const server = createServer(gitHttpHandler({ ...options, requests }));
  await new Promise((resolve) => server.listen(0, options.host ?? "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    origin: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
