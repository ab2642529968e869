// Regenerates README.md's environment-variable table from the env schema: `npm run docs:env`.
// test/config/env-table.test.ts fails while the README's table differs from what this writes.
import { readFileSync, writeFileSync } from "node:fs";
import { withEnvTable } from "../src/config/env/index.js";

const readme = new URL("../README.md", import.meta.url);
const before = readFileSync(readme, "utf8");
const after = withEnvTable(before);
writeFileSync(readme, after);
process.stdout.write(
  before === after ? "README.md: the environment table is current\n" : "README.md: environment table rewritten\n",
);
