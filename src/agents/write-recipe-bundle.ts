// The build's step that writes dist/recipes.bundle.json (`postbuild`: `node
// dist/agents/write-recipe-bundle.js`; recipe-bundle.ts says why). Where agents/ is not there (a
// build stage that copies src/ only), it writes nothing and the recipes are parsed at run time.
import { existsSync } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { sha256 } from "../core/index.js";
import { BUILTIN_RECIPES_DIR, parseRecipe } from "./load-recipes.js";
import { RECIPE_BUNDLE_FILE, RECIPE_BUNDLE_FORMAT, type RecipeEntry } from "./recipe-bundle.js";

/**
 * Writes the bundle for the recipe files in `dir`. A file with any problem is left out, so that
 * loading it at run time reports the problem with its line.
 */
export async function writeRecipeBundle(dir: string, out = RECIPE_BUNDLE_FILE): Promise<{ files: number }> {
  const files: Record<string, RecipeEntry> = {};
  for (const name of (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = path.join(dir, name);
    const text = await readFile(file, "utf8");
    const { size, mtimeMs } = await stat(file);
    const { recipe } = parseRecipe(text, name);
    if (recipe) files[name] = { sha256: sha256(text), size, mtimeMs, recipe };
  }
  await writeFile(out, JSON.stringify({ format: RECIPE_BUNDLE_FORMAT, files }) + "\n");
  return { files: Object.keys(files).length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!existsSync(BUILTIN_RECIPES_DIR)) {
    process.stdout.write(`no ${BUILTIN_RECIPES_DIR} here: no recipe bundle written\n`);
  } else {
    const { files } = await writeRecipeBundle(BUILTIN_RECIPES_DIR);
    process.stdout.write(`${RECIPE_BUNDLE_FILE}: ${files} builtin recipes validated\n`);
  }
}
