import { z } from "zod";
import { recipeSchema } from "./recipe-schema.js";
import { repoConfigSchema } from "../config/index.js";

/** The published JSON Schema for recipe files (agents/*.yml and repositories' own). */
export function recipeJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(recipeSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  return {
    ...generated,
    $id: "https://sentinel.invalid/schema/recipe.schema.json",
    title: "Sentinel recipe",
    description: "A declarative fix agent: what it handles, its steps, how it is verified. See docs/agents.md.",
  };
}

/** The published JSON Schema for .github/sentinel.yml and .gitlab/sentinel.yml. */
export function repoConfigJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(repoConfigSchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  return {
    ...generated,
    $id: "https://sentinel.invalid/schema/config.schema.json",
    title: "Sentinel repository configuration",
  };
}
