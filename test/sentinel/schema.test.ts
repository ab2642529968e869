import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sentinelJsonSchema } from "../../src/sentinel/index.js";

describe("the published rule-file JSON Schema", () => {
  it("matches the zod definition the loader validates with (run `npm run schema` after changing it)", () => {
    const committed = JSON.parse(readFileSync(new URL("../../schema/sentinel.schema.json", import.meta.url), "utf8"));
    expect(committed).toEqual(sentinelJsonSchema());
  });

  it("describes every top-level field of a sentinel", () => {
    const props = Object.keys((sentinelJsonSchema().properties ?? {}) as object);
    expect(props).toEqual(
      expect.arrayContaining(["id", "name", "description", "tool", "category", "appliesTo", "matchers", "routing"]),
    );
  });
});
