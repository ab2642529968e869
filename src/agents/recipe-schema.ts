import { z } from "zod";
import { CATEGORIES } from "../sentinel/index.js";
import { toArgv } from "./agent.js";

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "use 1-64 lowercase letters, digits, '.', '_' or '-'");

/** A command as argv (preferred) or one string split on spaces (no shell, no quoting). */
const command = z.union([z.array(z.string().min(1).max(500)).min(1).max(50), z.string().min(1).max(2000)]);

/** A command-line option as a tool spells it: `--check`, `-l`, `-Werror`, `-check`. */
const option = z.string().regex(/^--?[A-Za-z0-9][A-Za-z0-9-]*$/, "an option such as --check, -l or -Werror");

/**
 * How a tool's check command becomes its fix command: the failing command with the check's own
 * options taken out and the fix's put in, every other argument (paths, excludes, config) kept.
 */
export const deriveSchema = z.strictObject({
  command: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a command word such as black, ruff or fmt"))
    .min(1)
    .max(3)
    .describe(
      "The words that name the check: [black], [ruff, format], [cargo, fmt]. Found bare, as a path under node_modules/.bin, after `python -m`, or behind a runner (npx, pnpm exec, yarn, poetry run, uv run…).",
    ),
  drop: z
    .array(
      z
        .string()
        .regex(/^--?[A-Za-z0-9][A-Za-z0-9-]*(?:=[A-Za-z0-9._-]+)?$/, "an option such as --check, -l or -write=false"),
    )
    .max(20)
    .default([])
    .describe(
      "Options that make it a check (--check, --diff, -l, -write=false), taken out wherever they stand before `--`.",
    ),
  dropWithValue: z
    .array(option)
    .max(20)
    .default([])
    .describe(
      "Options taken out with their value (`-o report.json`, `--cache-location=x`): reports and caches the fix must not write.",
    ),
  add: z
    .array(option)
    .max(10)
    .default([])
    .describe("Options that make it the fix (--fix, --write, -w), put right after the command words unless present."),
  values: z
    .array(option)
    .max(60)
    .default([])
    .describe(
      "Options whose next argument is their value (--extend-exclude, --config, -l): that argument is kept as it is, even when it reads like an option to drop.",
    ),
  passthrough: z
    .boolean()
    .default(false)
    .describe("Arguments after `--` are options of another program (`cargo fmt -- --check`), dropped like the others."),
  nodePackage: z
    .boolean()
    .default(false)
    .describe(
      "The tool is an npm package's executable: called bare (in a package.json script, or with node_modules/.bin on CI's PATH), the fix runs it through the package manager (`npx --no-install`, `pnpm exec`, `yarn`).",
    ),
});

/** An argument that a step's `run` is alone: the fix command derived from the failing command. */
export const FIX_COMMAND = "{fixCommand}";
/** An argument that becomes the diagnosis's files, one argument each. */
export const FILES = "{files}";

export const stepSchema = z.strictObject({
  id,
  run: command.describe(
    "The command, run in the worktree under the sandbox. `{fixCommand}`, alone, is the fix derived from the failing command with the recipe's `derive` (one step per `&&` part). With `handles.codes`, an argument `{codes}` is the diagnosis's codes; an argument `{files}` is the files the diagnosis names, one argument each (the recipe refuses a diagnosis that names none).",
  ),
  fallback: command
    .optional()
    .describe(
      'With `run: "{fixCommand}"`: what runs when no fix can be derived from the failing command (none is known, or it is not a plain check). It must have a `{files}` argument: the fixer then touches only the files the diagnosis names.',
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
export const recipeSchema = z
  .strictObject({
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
    derive: z
      .array(deriveSchema)
      .min(1)
      .max(20)
      .optional()
      .describe(
        'Check commands this recipe\'s tool has a fix for, and how to turn one into the other. A step `run: "{fixCommand}"` runs the fix derived from the failing command, so it changes only what that command checks.',
      ),
    enabled: z.boolean().default(true),
  })
  .superRefine((r, ctx) => {
    r.steps.forEach((s, i) => {
      const run = toArgv(s.run);
      if (run.includes(FIX_COMMAND) && run.length !== 1)
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "run"],
          message: "`{fixCommand}` must be the whole command",
        });
      if (run.includes(FIX_COMMAND) && !r.derive)
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "run"],
          message: "`{fixCommand}` needs the recipe's `derive` (which check commands it fixes)",
        });
      if (s.fallback && !run.includes(FIX_COMMAND))
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "fallback"],
          message: 'a fallback goes with `run: "{fixCommand}"`',
        });
      if (s.fallback && !toArgv(s.fallback).includes(FILES))
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "fallback"],
          message: "a fallback must have a `{files}` argument: it may touch only the files the diagnosis names",
        });
    });
  });

export type Recipe = z.infer<typeof recipeSchema>;
export type RecipeStep = z.infer<typeof stepSchema>;
export type DeriveRule = z.infer<typeof deriveSchema>;
