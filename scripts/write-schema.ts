// Regenerates schema/sentinel.schema.json from the zod definition: `npm run schema`.
import { writeFileSync } from "node:fs";
import { sentinelJsonSchema } from "../src/sentinel/rules/json-schema.js";

writeFileSync(new URL("../schema/sentinel.schema.json", import.meta.url), JSON.stringify(sentinelJsonSchema(), null, 2) + "\n");
