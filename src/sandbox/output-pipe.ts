import { execFile, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Writable } from "node:stream";

export interface OutputPipe {
  /** The write end, for the child's stdout or stderr; close it in this process once the child has it. */
  readonly writeFd: number;
  /** The read end: ends when every process holding the write end has closed it. */
  readonly reader: net.Socket;
}

/** A pipe made ahead of use: both ends open, its FIFO already unlinked. */
interface SparePipe {
  readonly readFd: number;
  readonly writeFd: number;
}

/**
 * Pipes made by earlier calls for later ones. Each mkfifo is a process, and a fork from a Node
 * process this size costs more than the FIFO: a `sentinel fix` runs three or four commands, so one
 * mkfifo makes pipes for all of them. Unused ones are only open descriptors (close-on-exec).
 */
const spares: SparePipe[] = [];
const PIPES_PER_MKFIFO = 8;

/**
 * Real pipes for a command's stdout and stderr. Node's `stdio: "pipe"` hands a child a socket,
 * and opening `/dev/stderr` or `/dev/stdout` on a socket fails (ENXIO). CI scripts do that
 * (`gofmt -l . | tee /dev/stderr`) and work on a CI runner, so a reproduction must not fail
 * where CI did not. Node has no pipe(2): a FIFO, opened at both ends and unlinked at once,
 * is the same kernel object.
 */
export async function openOutputPipes(names: readonly string[]): Promise<OutputPipe[]> {
  // A loop: calls side by side may take the pipes another call made.
  while (spares.length < names.length) spares.push(...(await makePipes(PIPES_PER_MKFIFO + names.length)));
  return spares.splice(0, names.length).map(({ readFd, writeFd }) => ({
    writeFd,
    reader: new net.Socket({ fd: readFd, readable: true, writable: false }),
  }));
}

async function makePipes(count: number): Promise<SparePipe[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "sentinel-pipe-"));
  const opened: number[] = [];
  try {
    const fifos = Array.from({ length: count }, (_, i) => path.join(dir, String(i)));
    // Not execFileSync: the caller's du for the step's disk baseline runs meanwhile.
    await new Promise<void>((resolve, reject) =>
      execFile("mkfifo", ["-m", "600", ...fifos], (error) => (error ? reject(error) : resolve())),
    );
    return fifos.map((fifo) => {
      // Read end first and non-blocking: opening the write end then does not wait for a reader.
      const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      opened.push(readFd);
      const writeFd = openSync(fifo, constants.O_WRONLY);
      opened.push(writeFd);
      return { readFd, writeFd };
    });
  } catch (error) {
    for (const fd of opened) closeSync(fd);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `spawn` with stdin closed, stdout and stderr on the real pipes `openOutputPipes` made for it, and
 * a fourth descriptor (fd 3) the caller writes to: the gate a step's command waits on (run-command.ts).
 */
export function spawnWithOutputPipes(
  file: string,
  args: readonly string[],
  options: Omit<SpawnOptions, "stdio">,
  [stdout, stderr]: readonly [OutputPipe, OutputPipe],
): { child: ChildProcess; stdout: net.Socket; stderr: net.Socket; gate: Writable } {
  try {
    const child = spawn(file, args, { ...options, stdio: ["ignore", stdout.writeFd, stderr.writeFd, "pipe"] });
    return { child, stdout: stdout.reader, stderr: stderr.reader, gate: child.stdio[3] as Writable };
  } catch (error) {
    stdout.reader.destroy();
    stderr.reader.destroy();
    throw error;
  } finally {
    // The child holds its own copies; ours would keep the readers from ever ending.
    closeSync(stdout.writeFd);
    closeSync(stderr.writeFd);
  }
}
