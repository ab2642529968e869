import { readFileSync } from "node:fs";
import path from "node:path";
import { parseRecipe, type Recipe } from "../../../src/agents/index.js";

/** The builtin recipes whose fix is derived from a check command of their own tool (isort, clang-format, shfmt, terraform fmt). */
export const NEW_RECIPE_IDS = ["isort", "clang-format", "shfmt", "terraform-fmt"];

/** A builtin recipe as its file in agents/ declares it, `derive` rules included. */
export function newRecipe(id: string): Recipe {
  const file = path.join(import.meta.dirname, "..", "..", "..", "agents", `${id}.yml`);
  const r = parseRecipe(readFileSync(file, "utf8"), `${id}.yml`);
  if (!r.recipe) throw new Error(r.issues.join("\n"));
  return r.recipe;
}
