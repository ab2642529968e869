import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  builtinAdapters,
  createForgeRegistry,
  forgeAdapter,
  forgeIds,
  readDelivery,
  type ForgeAdapter,
} from "../../src/forge/index.js";
import { fakeAdapter } from "../fixtures/forge-adapter-fake/index.js";

const FORGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/forge");

function isAdapter(value: unknown): value is ForgeAdapter {
  const v = value as Partial<ForgeAdapter> | null;
  return typeof v === "object" && v !== null && typeof v.id === "string" && typeof v.readEvent === "function";
}

/** The ids of the adapters exported by the index.ts of each folder under src/forge/. */
async function adapterFolders(): Promise<string[]> {
  const ids: string[] = [];
  for (const entry of await readdir(FORGE_DIR, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const index = path.join(FORGE_DIR, entry.name, "index.ts");
    if (!(await stat(index).catch(() => null))) continue; // a folder without a public surface is no forge
    const exported: Record<string, unknown> = await import(index);
    ids.push(
      ...Object.values(exported)
        .filter(isAdapter)
        .map((a) => a.id),
    );
  }
  return ids.sort();
}

describe("forge registry", () => {
  it("lists exactly the adapters of the folders under src/forge/", async () => {
    expect(forgeIds().sort()).toEqual(await adapterFolders());
  });

  it("refuses an id no adapter answers to with E_FORGE_UNKNOWN", () => {
    expect(() => forgeAdapter("fakeforge")).toThrow(expect.objectContaining({ code: "E_FORGE_UNKNOWN" }));
  });

  it("refuses two adapters with one id with E_FORGE_DUPLICATE", () => {
    expect(() => createForgeRegistry([...builtinAdapters, { ...fakeAdapter, id: "github" }])).toThrow(
      expect.objectContaining({ code: "E_FORGE_DUPLICATE" }),
    );
  });

  it("reads a delivery for a forge added as one folder and one registry entry, through the reader processDelivery uses", async () => {
    const registry = createForgeRegistry([...builtinAdapters, fakeAdapter]);
    const payload = { repo: "acme/widgets", job: { id: 7, name: "test", sha: "abc123" } };
    const { adapter, items } = await readDelivery({ forge: "fakeforge", event: "build.failed", payload }, {}, registry);
    expect(adapter.name).toBe("FakeForge");
    expect(items).toEqual([
      expect.objectContaining({
        kind: "failure",
        failure: expect.objectContaining({ failureKey: "fakeforge:acme/widgets:job:7", jobName: "test" }),
      }),
    ]);
  });

  it("gives each forge with pull requests a refspec into refs/sentinel/pull/", () => {
    expect(forgeAdapter("github").pullRequestRefspec(3)).toBe("+refs/pull/3/head:refs/sentinel/pull/3");
    expect(forgeAdapter("gitlab").pullRequestRefspec(3)).toBe("+refs/merge-requests/3/head:refs/sentinel/pull/3");
    expect(forgeAdapter("local").pullRequestRefspec(3)).toBeNull();
  });
});
