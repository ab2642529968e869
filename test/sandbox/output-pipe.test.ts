import { closeSync, mkdtempSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openOutputPipes, type OutputPipe } from "../../src/sandbox/output-pipe.js";

const empty = mkdtempSync(path.join(tmpdir(), "no-mkfifo-"));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

function readAll(pipe: OutputPipe): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    pipe.reader.on("data", (b: Buffer) => (text += b.toString("utf8")));
    pipe.reader.on("error", reject);
    pipe.reader.on("close", () => resolve(text));
  });
}

describe("a command's output pipes", () => {
  it("carry what the write end writes, and end when it is closed", async () => {
    const [pipe] = await openOutputPipes(["stdout"]);
    const read = readAll(pipe!);
    writeSync(pipe!.writeFd, "line one\nline two\n");
    closeSync(pipe!.writeFd);
    expect(await read).toBe("line one\nline two\n");
  });

  it("for the next commands come from the same mkfifo: a later call needs none", async () => {
    const first = await openOutputPipes(["stdout", "stderr"]);
    const saved = process.env.PATH;
    // Without mkfifo on the PATH, only pipes made earlier can be handed out.
    process.env.PATH = empty;
    try {
      const later = [
        ...(await openOutputPipes(["stdout", "stderr"])),
        ...(await openOutputPipes(["stdout", "stderr"])),
      ];
      expect(new Set([...first, ...later].map((p) => p.writeFd)).size).toBe(6);
      for (const pipe of [...first, ...later]) {
        const read = readAll(pipe);
        writeSync(pipe.writeFd, `fd ${pipe.writeFd}`);
        closeSync(pipe.writeFd);
        expect(await read).toBe(`fd ${pipe.writeFd}`);
      }
    } finally {
      process.env.PATH = saved;
    }
  });
});
