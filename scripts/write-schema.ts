// Regenerates the published JSON Schemas from their zod definitions: `npm run schema`.
import { writeFileSync } from "node:fs";
import { recipeJsonSchema, repoConfigJsonSchema } from "../src/agents/json-schema.js";
import { sentinelJsonSchema } from "../src/sentinel/rules/json-schema.js";

const write = (name: string, schema: unknown) =>
  writeFileSync(new URL(`../schema/${name}`, import.meta.url), JSON.stringify(schema, null, 2) + "\n");
write("sentinel.schema.json", sentinelJsonSchema());
write("recipe.schema.json", recipeJsonSchema());
write("config.schema.json", repoConfigJsonSchema());
