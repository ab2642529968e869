/**
 * The network step's only way out. Inside the sandbox's own network namespace (only `lo`), a
 * small forwarder listens on 127.0.0.1:FORWARDER_PORT and pipes every TCP connection to the
 * egress proxy's unix socket, which is bind-mounted in; then it runs the real command and exits
 * with its status. It is plain CommonJS passed to `node -e`, so it runs the same from `src/`
 * under vitest and from `dist/` after `tsc`, with nothing else to ship.
 */

/** Where the proxy's socket directory appears inside the sandbox. */
export const SANDBOX_EGRESS_DIR = "/run/sentinel-egress";
export const PROXY_SOCKET_NAME = "proxy.sock";
/** Free by construction: the step's network namespace is new and empty. */
export const FORWARDER_PORT = 3128;

const FORWARDER_SOURCE = `"use strict";
const net = require("net");
const { spawn } = require("child_process");
const { constants } = require("os");
const [socketPath, port, file, ...args] = process.argv.slice(1);
const say = (m) => process.stderr.write("sentinel egress forwarder: " + m + "\\n");
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  const end = () => { client.destroy(); upstream.destroy(); };
  client.on("error", end).on("close", end);
  upstream.on("error", end).on("close", end);
  client.pipe(upstream).pipe(client);
});
server.on("error", (e) => { say(e.message); process.exit(125); });
server.listen(Number(port), "127.0.0.1", () => {
  const child = spawn(file, args, { stdio: "inherit" });
  for (const s of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(s, () => child.kill(s));
  child.on("error", (e) => { say(file + ": " + e.message); process.exit(e.code === "ENOENT" ? 127 : 126); });
  child.on("exit", (code, signal) => process.exit(signal ? 128 + (constants.signals[signal] || 0) : code));
});
`;

/** The argv that runs `command` behind the forwarder, with the node that runs Sentinel. */
export function forwarderArgv(command: readonly string[]): string[] {
  return [
    process.execPath,
    "-e",
    FORWARDER_SOURCE,
    "--",
    `${SANDBOX_EGRESS_DIR}/${PROXY_SOCKET_NAME}`,
    String(FORWARDER_PORT),
    ...command,
  ];
}

/**
 * What every package manager and git need to find the proxy (and nothing to bypass it). Yarn 1
 * reads npm's `npm_config_*` settings; no `YARN_PROXY`: Yarn 2+ reads every `YARN_*` variable as
 * a setting and refuses to run at all on `proxy`, which it no longer has.
 */
export function proxyEnv(): Record<string, string> {
  const url = `http://127.0.0.1:${FORWARDER_PORT}`;
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    ALL_PROXY: url,
    all_proxy: url,
    NO_PROXY: "",
    no_proxy: "",
    npm_config_proxy: url,
    npm_config_https_proxy: url,
    npm_config_noproxy: "",
    YARN_HTTP_PROXY: url,
    YARN_HTTPS_PROXY: url,
    PIP_PROXY: url,
    CARGO_HTTP_PROXY: url,
  };
}
