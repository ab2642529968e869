import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseLeases, redisLeases, type Leases } from "../../src/pipeline/index.js";
import { openDatabase, RunStore, type Database } from "../../src/store/index.js";
import { REDIS_URL, redisAvailable } from "../support/services.js";

let db: Database;
beforeAll(async () => {
  db = await openDatabase({});
});
afterAll(() => db.close());

const BACKENDS: ReadonlyArray<{
  name: string;
  available: boolean;
  make: () => Promise<Leases & { close?: () => void }>;
}> = [
  { name: "the database", available: true, make: async () => databaseLeases(new RunStore(db)) },
  {
    name: "Redis",
    available: redisAvailable,
    make: () => redisLeases(REDIS_URL, `sentinel-test-${randomBytes(4).toString("hex")}:`),
  },
];

for (const { name, available, make } of BACKENDS) {
  describe.skipIf(!available)(`leases in ${name}`, () => {
    it("have one holder at a time", async () => {
      const l = await make();
      expect(await l.acquire("repo:fp", "run-a", 5000)).toBe(true);
      expect(await l.acquire("repo:fp", "run-b", 5000)).toBe(false);
      await l.release("repo:fp", "run-a");
      expect(await l.acquire("repo:fp", "run-b", 5000)).toBe(true);
      l.close?.();
    });

    it("pass to the next run when the holder stops renewing (a dead worker)", async () => {
      const l = await make();
      expect(await l.acquire("repo:dead", "run-a", 300)).toBe(true);
      await new Promise((r) => setTimeout(r, 450));
      expect(await l.acquire("repo:dead", "run-b", 5000)).toBe(true);
      // The dead holder can neither renew nor release what is no longer its own.
      expect(await l.renew("repo:dead", "run-a", 5000)).toBe(false);
      await l.release("repo:dead", "run-a");
      expect(await l.acquire("repo:dead", "run-c", 5000)).toBe(false);
      l.close?.();
    });

    it("are handed over only from the holder named (a job taking over from its dead run)", async () => {
      const l = await make();
      expect(await l.acquire("repo:handover", "run-dead", 5000)).toBe(true);
      expect(await l.takeOver?.("repo:handover", "run-someone-else", "run-b", 5000)).toBe(false);
      expect(await l.takeOver?.("repo:handover", "run-dead", "run-b", 5000)).toBe(true);
      expect(await l.renew("repo:handover", "run-dead", 5000)).toBe(false);
      expect(await l.renew("repo:handover", "run-b", 5000)).toBe(true);
      expect(await l.acquire("repo:handover", "run-c", 5000)).toBe(false);
      l.close?.();
    });

    it("stay held while renewed", async () => {
      const l = await make();
      expect(await l.acquire("repo:alive", "run-a", 300)).toBe(true);
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 150));
        expect(await l.renew("repo:alive", "run-a", 300)).toBe(true);
      }
      expect(await l.acquire("repo:alive", "run-b", 300)).toBe(false);
      l.close?.();
    });
  });
}
