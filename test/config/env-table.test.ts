import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envSchema, renderEnvTable, TABLE_END, TABLE_START, withEnvTable } from "../../src/config/env/index.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README's environment table", () => {
  it("is the table generated from the env schema (run `npm run docs:env` after changing the schema)", () => {
    expect(withEnvTable(readme)).toBe(readme);
  });

  it("has one row for every variable in the schema", () => {
    const table = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END));
    for (const name of Object.keys(envSchema.shape)) expect(table).toContain(`| \`${name}\` |`);
  });

  it("is replaced whole between its markers, whatever stood there before", () => {
    const stale = `intro\n${TABLE_START}\n| old | table |\n${TABLE_END}\noutro\n`;
    expect(withEnvTable(stale)).toBe(`intro\n${TABLE_START}\n${renderEnvTable()}\n${TABLE_END}\noutro\n`);
  });
});
