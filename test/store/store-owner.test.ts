import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { currentOwner, ownerFileOf, takeOwnership } from "../../src/store/store-owner.js";

const dirs: string[] = [];
const children: Array<{ kill(): boolean }> = [];
afterAll(() => {
  children.forEach((c) => c.kill());
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
function dataDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), "sentinel-owner-"));
  dirs.push(root);
  return path.join(root, "pglite");
}
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]!;
}
async function sleeper(): Promise<number> {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  children.push(child);
  await new Promise((r) => child.once("spawn", r));
  return child.pid!;
}
const owner = (o: Record<string, unknown>) => JSON.stringify({ kind: "process", socket: null, ...o }) + "\n";

describe("a PGlite folder's owner file", () => {
  it("is written when the folder is taken and removed when it is given back", async () => {
    const dir = dataDir();
    const taken = await takeOwnership(dir, { kind: "process", socket: null });
    expect(await currentOwner(dir)).toMatchObject({ pid: process.pid, kind: "process" });
    await taken.release();
    expect(await currentOwner(dir)).toBeNull();
  });

  it("refuses the folder while a live process holds it, naming that process", async () => {
    const dir = dataDir();
    const pid = await sleeper();
    writeFileSync(ownerFileOf(dir), owner({ pid, started: startTime(pid) }));
    await expect(takeOwnership(dir, { kind: "process", socket: null })).rejects.toMatchObject({
      code: "E_STORE_BUSY",
      message: expect.stringContaining(`process ${pid}`),
    });
  });

  it("takes over a file left by a process that is gone", async () => {
    const dir = dataDir();
    const pid = await sleeper();
    writeFileSync(ownerFileOf(dir), owner({ pid, started: startTime(pid) }));
    children.pop()!.kill();
    await new Promise((r) => setTimeout(r, 100));
    const taken = await takeOwnership(dir, { kind: "process", socket: null });
    expect(await currentOwner(dir)).toMatchObject({ pid: process.pid });
    await taken.release();
  });

  it("takes over a file whose pid a later process got (a restarted container's app has the same pid)", async () => {
    const dir = dataDir();
    const pid = await sleeper();
    writeFileSync(ownerFileOf(dir), owner({ pid, started: "1" }));
    const taken = await takeOwnership(dir, { kind: "process", socket: null });
    await taken.release();
  });

  it("takes over a file naming this very process that this process does not hold", async () => {
    const dir = dataDir();
    writeFileSync(ownerFileOf(dir), owner({ pid: process.pid, started: startTime(process.pid) }));
    const taken = await takeOwnership(dir, { kind: "process", socket: null });
    await taken.release();
  });

  it("refuses a second open of the folder by the process that holds it", async () => {
    const dir = dataDir();
    const taken = await takeOwnership(dir, { kind: "process", socket: null });
    await expect(takeOwnership(dir, { kind: "process", socket: null })).rejects.toMatchObject({ code: "E_STORE_BUSY" });
    await taken.release();
  });

  it("takes over a file that holds no owner at all (half-written)", async () => {
    const dir = dataDir();
    writeFileSync(ownerFileOf(dir), "{ not json");
    const taken = await takeOwnership(dir, { kind: "host", socket: null });
    expect(await currentOwner(dir)).toMatchObject({ kind: "host" });
    await taken.release();
  });
});
