import { z } from "zod";
import { CATEGORIES } from "../sentinel/index.js";

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "use 1-64 lowercase letters, digits, '.', '_' or '-'");

/** A command as argv (preferred) or one string split on spaces (no shell, no quoting). */
const command = z.union([z.array(z.string().min(1).max(500)).min(1).max(50), z.string().min(1).max(2000)]);

export const stepSchema = z.strictObject({
  id,
  run: command.describe(
    "The command, run in the worktree under the sandbox. `{verifyCommand}` is the command that failed in CI. With `handles.codes`, an argument `{codes}` is the diagnosis's codes and an argument `{files}` its files.",
  ),
  network: z.boolean().default(false).describe("Dependency installs only; they run with install scripts off."),
  timeout: z.number().int().min(1).max(3600).default(300).describe("Seconds."),
  when: z
    .strictObject({
      fileExists: z.string().min(1).max(500).optional().describe("Run only if this file exists in the worktree."),
      fileMissing: z.string().min(1).max(500).optional(),
    })
    .optional(),
  onError: z.enum(["abort", "continue", "retry", "escalate"]).default("abort").describe("What a non-zero exit means."),
  retries: z.number().int().min(0).max(5).default(0).describe("With onError: retry, how many more times."),
});

/** A declarative agent: which diagnoses it takes, the steps that fix them, how to verify. */
export const recipeSchema = z.strictObject({
  $schema: z.string().optional(),
  id,
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  handles: z.strictObject({
    categories: z.array(z.enum(CATEGORIES)).min(1),
    tools: z
      .array(z.string().min(1).max(100))
      .min(1)
      .optional()
      .describe("Diagnosis tools this recipe fixes; any tool when omitted."),
    requiresFile: z
      .string()
      .min(1)
      .max(500)
      .optional()
      .describe("Only for repositories that have this file (package.json, Cargo.toml…)."),
    codes: z
      .array(z.string().regex(/^[A-Za-z]+[0-9]*$/, "a code or code prefix, e.g. E2 or W291"))
      .min(1)
      .max(50)
      .optional()
      .describe(
        "Only diagnoses whose findings all have a code starting with one of these (flake8's E2, W2…): a finding with any other code needs a human, so the recipe refuses. Steps get `{codes}` (the codes, comma-separated) and `{files}` (the files the findings name, as separate arguments).",
      ),
  }),
  confidence: z.number().min(0).max(1).default(0.8).describe("How likely this recipe fixes what it handles."),
  steps: z.array(stepSchema).min(1).max(20),
  verify: z
    .strictObject({ run: command })
    .optional()
    .describe("What VERIFY runs; by default the command that failed in CI."),
  check: z
    .strictObject({ run: command, when: z.strictObject({ fileExists: z.string().min(1).max(500) }).optional() })
    .optional()
    .describe(
      "What finds the failure this recipe fixes where no CI named one (`sentinel fix` without `--command`): runs offline, in a fresh worktree, with nothing installed.",
    ),
  enabled: z.boolean().default(true),
});

export type Recipe = z.infer<typeof recipeSchema>;
export type RecipeStep = z.infer<typeof stepSchema>;
