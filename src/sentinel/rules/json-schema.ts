import { z } from "zod";
import { sentinelSchema } from "./schema.js";

export const SCHEMA_ID = "https://sentinel.invalid/schema/sentinel.schema.json";

/** The published JSON Schema for rule files, generated from the same zod definition the loader uses. */
export function sentinelJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(sentinelSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return {
    ...generated,
    $id: SCHEMA_ID,
    title: "Sentinel rule file",
    description:
      "A sentinel: which logs it watches, what it matches, how findings are classified and routed. See docs/sentinels.md.",
  };
}
