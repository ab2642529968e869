import { parseRecipe, type Recipe } from "../../../src/agents/index.js";

/**
 * The `derive` blocks (and the `{fixCommand}` step) that the recipes being added for isort,
 * clang-format, shfmt and terraform fmt need, as whole recipes, so the derivation for these tools
 * is tested with the real tools before those files exist. The recipe files should carry the same.
 */
const RECIPES: Record<string, string> = {
  isort: `
id: isort
name: isort
handles: { categories: [format], tools: [isort] }
derive:
  - command: [isort]
    drop: [--check-only, --check, -c, --diff, --df]
    values: [--settings-path, --settings-file, --sp, --settings, --profile, -l, --line-length, --skip, -s, --extend-skip, --skip-glob, --sg, --extend-skip-glob, --src, --src-path, -p, --project, -j, --jobs]
steps:
  - { id: format, run: "{fixCommand}", fallback: [isort, --, "{files}"], onError: abort }
`,
  "clang-format": `
id: clang-format
name: clang-format -i
handles: { categories: [format], tools: [clang-format] }
derive:
  - command: [clang-format]
    drop: [--dry-run, -n, -Werror, --Werror, --output-replacements-xml]
    add: [-i]
    values: [--style, --fallback-style, --assume-filename, --files, --lines, --offset, --length, --qualifier-alignment]
steps:
  - { id: format, run: "{fixCommand}", fallback: [clang-format, -i, --, "{files}"], onError: abort }
`,
  shfmt: `
id: shfmt
name: shfmt -w
handles: { categories: [format], tools: [shfmt] }
derive:
  - command: [shfmt]
    drop: [-d, --diff, -l, --list]
    add: [-w]
    values: [-i, --indent, -ln, --language-dialect, --filename, --apply-ignore]
steps:
  - { id: format, run: "{fixCommand}", fallback: [shfmt, -w, --, "{files}"], onError: abort }
`,
  "terraform-fmt": `
id: terraform-fmt
name: terraform fmt
handles: { categories: [format], tools: [terraform] }
derive:
  - command: [terraform, fmt]
    drop: [-check, --check, -diff, --diff, -list=false, -write=false]
steps:
  - { id: format, run: "{fixCommand}", onError: abort }
`,
};

export function newRecipe(id: keyof typeof RECIPES | string): Recipe {
  const r = parseRecipe(RECIPES[id]!, `${id}.yml`);
  if (!r.recipe) throw new Error(r.issues.join("\n"));
  return r.recipe;
}

export const NEW_RECIPE_IDS = Object.keys(RECIPES);
