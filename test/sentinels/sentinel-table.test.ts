import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUILTIN_SENTINELS_DIR, loadBuiltinRules } from "../../src/sentinel/index.js";
import { renderSentinelTable, TABLE_END, TABLE_START, withSentinelTable } from "../../scripts/write-sentinel-table.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README's table of builtin sentinels", () => {
  it("is the table generated from sentinels/", async () => {
    expect(withSentinelTable(readme, await loadBuiltinRules()), "run npm run docs:sentinels").toBe(readme);
  });

  it("links every rule file in sentinels/", () => {
    const table = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END));
    const files = readdirSync(BUILTIN_SENTINELS_DIR).filter((f) => /\.(ya?ml|json)$/.test(f));
    for (const file of files) expect(table, "run npm run docs:sentinels").toContain(`](sentinels/${file})`);
  });

  it("is replaced whole between its markers, whatever stood there before", async () => {
    const rules = await loadBuiltinRules();
    const stale = `intro\n${TABLE_START}\n| old | table |\n${TABLE_END}\noutro\n`;
    expect(withSentinelTable(stale, rules)).toBe(
      `intro\n${TABLE_START}\n${renderSentinelTable(rules)}\n${TABLE_END}\noutro\n`,
    );
  });
});
