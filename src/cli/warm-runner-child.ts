/**
 * A warm fix runner's spare (warm-runner.ts says why it exists): forked by the runner host, it
 * imports the CLI and the `fix` pipeline, says it is ready and waits. Given a connection, it takes
 * the client's environment, working folder and umask, runs the client's command line as the CLI
 * would, streams back what the command writes and its exit code, and exits. One run per process.
 */
import type { Socket } from "node:net";
import { Readable, Writable } from "node:stream";
import { readFrames, sendFrame } from "../core/index.js";
import type { CliIo } from "./io.js";
import { cliEntryFile, IN_RUNNER_ENV, type ClientMessage, type RunnerMessage, type RunRequest } from "./warm-runner.js";

interface CliModule {
  main(argv: string[], io?: CliIo): Promise<number>;
  preloadFix(): Promise<void>;
}

const cli = (await import(cliEntryFile())) as CliModule;
await cli.preloadFix();

process.once("message", (message, handle) => {
  if ((message as { type?: string }).type !== "run" || !handle) process.exit(1);
  void serve(handle as Socket);
});
// The host went away before handing over a run: this spare has nothing to do.
process.once("disconnect", () => {
  if (!serving) process.exit(0);
});
process.send?.({ type: "ready" });

let serving = false;

async function serve(socket: Socket): Promise<void> {
  serving = true;
  // The run owes the host nothing more: it ends on its own, whatever the host does meanwhile.
  process.disconnect?.();
  const request = await firstRequest(socket);
  if (!request) return void socket.destroy();
  const send = (m: RunnerMessage) => {
    if (!socket.destroyed) sendFrame(socket, m);
  };
  // The client gone before the run ended (killed, its terminal closed): the run stops as the CLI
  // would have, its sandboxes with it (bubblewrap's --die-with-parent).
  socket.on("close", () => {
    if (!finished) process.kill(process.pid, "SIGTERM");
  });
  // A broken connection is a client gone: "close" follows and stops the run.
  socket.on("error", () => undefined);
  adoptClient(request);
  const io: CliIo = {
    stdin: Readable.from([]),
    stdout: frameStream(1, send),
    stderr: frameStream(2, send),
    color: request.color,
  };
  // Anything that writes to the process's own streams reaches the client too.
  redirect(process.stdout, 1, send);
  redirect(process.stderr, 2, send);
  // What would end the CLI's process with Node's own report ends the run so, in the client's terminal.
  const fatal = (error: unknown) => {
    io.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    finish(1);
    // And this process ends, as the CLI's would have, once the client has its exit code.
    socket.once("close", () => process.exit(1));
    setTimeout(() => process.exit(1), 2000).unref();
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    send({ type: "exit", code });
    socket.end();
    process.exitCode = code;
  };
  send({ type: "started" });
  let code: number;
  try {
    code = await cli.main(["node", "sentinel", ...request.argv], io);
  } catch (error) {
    // main() reports its own errors; one that escapes it is reported as the CLI's entry would.
    io.stderr.write(`sentinel: ${error instanceof Error ? error.message : String(error)}\n`);
    code = 1;
  }
  // The client returns when this process would have exited as the CLI: once the run's last work
  // (a store's close, a log's flush) is done and nothing is left to wait for but the client.
  process.exitCode = code;
  socket.unref();
  process.once("beforeExit", () => finish(code));
}

let finished = false;

/**
 * Reads the client's first frame, its request (null when it is not one). Every later frame can
 * only be a signal the client received: it is raised here, so the run ends as the CLI's would.
 */
function firstRequest(socket: Socket): Promise<RunRequest | null> {
  return new Promise((resolve) => {
    let first = true;
    readFrames(socket, (raw) => {
      const m = raw as ClientMessage;
      if (first) {
        first = false;
        return resolve(isRunRequest(m) ? m : null);
      }
      if (m.type === "signal" && ["SIGINT", "SIGTERM", "SIGHUP"].includes(m.signal))
        process.kill(process.pid, m.signal);
    });
    socket.once("close", () => resolve(null));
    socket.resume();
  });
}

function isRunRequest(m: ClientMessage): m is RunRequest {
  const r = m as Partial<RunRequest>;
  return (
    r.type === "run" &&
    Array.isArray(r.argv) &&
    r.argv.every((a) => typeof a === "string") &&
    typeof r.cwd === "string" &&
    typeof r.env === "object" &&
    r.env !== null &&
    Object.values(r.env).every((v) => typeof v === "string") &&
    (r.umask === null || (Number.isInteger(r.umask) && r.umask! >= 0 && r.umask! <= 0o777)) &&
    typeof r.color === "boolean"
  );
}

/** The client's environment (all of it, nothing of the host's), working folder and umask. */
function adoptClient(r: RunRequest): void {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, r.env, { [IN_RUNNER_ENV]: "1" });
  process.chdir(r.cwd);
  if (r.umask !== null) process.umask(r.umask);
  process.argv = [process.argv[0]!, "sentinel", ...r.argv];
}

function frameStream(fd: 1 | 2, send: (m: RunnerMessage) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      send({ type: "out", fd, data: typeof chunk === "string" ? Buffer.from(chunk) : chunk });
      done();
    },
  });
}

function redirect(stream: NodeJS.WriteStream, fd: 1 | 2, send: (m: RunnerMessage) => void): void {
  stream.write = ((chunk: Uint8Array | string, ...rest: unknown[]) => {
    send({ type: "out", fd, data: typeof chunk === "string" ? Buffer.from(chunk) : chunk });
    const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    done?.();
    return true;
  }) as NodeJS.WriteStream["write"];
}
