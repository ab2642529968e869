// The builtin recipes, parsed and validated once by the build (write-recipe-bundle.ts) instead of
// at every `sentinel fix`: YAML and the schema took about 130 ms of its start-up. Each entry is
// keyed by its file's stamp, so a recipe edited after the build is read from its source again.
import path from "node:path";
import { DIST_DIR, readStampedBundle, type FileStamp, type StampedBundle } from "../core/index.js";
import type { Recipe } from "./recipe-schema.js";

export const RECIPE_BUNDLE_FILE = path.join(DIST_DIR, "recipes.bundle.json");
export const RECIPE_BUNDLE_FORMAT = "sentinel-recipe-bundle/1";

export type RecipeEntry = FileStamp & { readonly recipe: Recipe };
export type RecipeBundle = StampedBundle<RecipeEntry>;

export function readRecipeBundle(file = RECIPE_BUNDLE_FILE): Promise<RecipeBundle | undefined> {
  return readStampedBundle<RecipeEntry>(file, RECIPE_BUNDLE_FORMAT);
}
