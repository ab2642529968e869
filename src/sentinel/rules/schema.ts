import { z } from "zod";
import { ACTIONS, CATEGORIES, CLASSIFICATIONS, ROUTING_TARGETS, SOURCES } from "../model/types.js";

/**
 * The sentinel rule-file format. This one definition produces the validator, the published JSON
 * Schema (schema/sentinel.schema.json) and the field tables in docs/sentinels.md; a test fails
 * when the committed schema drifts from it.
 */

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "use 1-64 lowercase letters, digits, '.', '_' or '-'");

export const durationSchema = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, "a duration such as 500ms, 30s, 5m or 1h")
  .describe("A duration: a whole number followed by ms, s, m or h.");

const classification = z.enum(CLASSIFICATIONS);
const category = z.enum(CATEGORIES);
const confidence = z.number().min(0).max(1);

const template = z.string().max(1000).describe("Text with {group} placeholders filled from the match's named groups.");

const transformSchema = z
  .strictObject({
    message: template.optional(),
    code: template.optional(),
    file: template.optional(),
    stripFilePrefix: z.string().max(500).optional().describe("Remove this prefix from the captured file path."),
    classification: classification.optional(),
    category: category.optional(),
  })
  .describe("Rewrites a finding's fields before it is emitted (action: transform).");

export const MAX_THEN_WITHIN = 1000;

const thenStepSchema = z.strictObject({
  pattern: z
    .string()
    .min(1)
    .max(4096)
    .describe(
      "An RE2 pattern; its named groups set the finding's fields (file, line, column, code, message or any name a `message` template uses).",
    ),
  within: z
    .number()
    .int()
    .min(1)
    .max(MAX_THEN_WITHIN)
    .default(50)
    .describe("How many lines after the previous match (or the first line) to look for this one."),
  required: z
    .boolean()
    .default(false)
    .describe(
      "Drop the whole finding when this step never matches. An optional step that does not match within its window is skipped, and the next step is looked for from there.",
    ),
});

const matcherCommon = {
  id,
  description: z.string().max(2000).optional(),
  classification: classification
    .optional()
    .describe("Defaults to Error. A captured `severity` group of error/warning/notice/info overrides it."),
  category: category.optional().describe("Defaults to the sentinel's category."),
  confidence: confidence.optional().describe("How sure a match makes us of the failure's cause, 0-1."),
  action: z.enum(ACTIONS).default("emit"),
  transform: transformSchema.optional(),
  priority: z
    .number()
    .int()
    .min(-1000)
    .max(1000)
    .default(0)
    .describe("Higher runs first when several matchers could match one line."),
  continue: z
    .boolean()
    .default(false)
    .describe("After this matcher matches, let lower-priority matchers match the same line too."),
};

export const regexMatcherSchema = z.strictObject({
  ...matcherCommon,
  type: z.literal("regex").default("regex"),
  pattern: z
    .string()
    .min(1)
    .max(4096)
    .describe(
      "An RE2 regular expression (linear time: no backreferences or lookarounds). Named groups " +
        "file, line, column, severity, code, message and test fill the finding (findings naming the same test are one error).",
    ),
  ignoreCase: z.boolean().default(false),
  message: template
    .optional()
    .describe(
      "The finding's message when the pattern has no `message` group; {group} placeholders may name groups of `then` patterns too.",
    ),
  then: z
    .array(thenStepSchema)
    .min(1)
    .max(10)
    .optional()
    .describe(
      "Follow-up lines that complete the finding (a test's title, then the stack frame with its file and line some lines below). " +
        "Each step is looked for after the previous one; its named groups set the finding's fields, overriding values from earlier lines. The finding is emitted when " +
        "every step matched, when `end` matches, or when a step's window runs out.",
    ),
  end: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe(
      "With `then`: a line matching this RE2 pattern ends the block early (the finding is emitted with what it has).",
    ),
  summary: z
    .boolean()
    .default(false)
    .describe(
      "The line restates failures reported elsewhere (`✖ 4 problems`, `Tests: 2 failed`, a recap list, a `BUILD FAILED` banner): " +
        "its finding still says the run failed, and names the category when nothing else does, but it is never counted as an error " +
        "nor taken for the first error line.",
    ),
});

export const statefulMatcherSchema = z
  .strictObject({
    ...matcherCommon,
    type: z.literal("stateful"),
    count: z.number().int().min(2).max(100_000).describe("How many qualifying findings trigger this matcher."),
    within: durationSchema.optional().describe("The sliding time window, measured on the log's timestamps."),
    withinLines: z.number().int().min(1).max(10_000_000).optional().describe("A sliding window in log lines."),
    of: z
      .strictObject({
        classification: z.array(classification).min(1).optional(),
        category: z.array(category).min(1).optional(),
        rule: z.array(z.string().min(1)).min(1).optional().describe("Rule ids, as sentinel/matcher."),
      })
      .describe("Which findings count. All given filters must hold."),
    message: template.optional().describe("Placeholders: {count}, {window}."),
  })
  .refine((m) => m.within !== undefined || m.withinLines !== undefined, {
    message: "a stateful matcher needs `within` (a duration) or `withinLines`",
    path: ["within"],
  });

// A matcher without `type` is a regex matcher; naming the type first lets errors point at the
// right field instead of "invalid input" for the whole union.
export const matcherSchema = z.preprocess(
  (value) =>
    value && typeof value === "object" && !Array.isArray(value) && !("type" in value)
      ? { ...value, type: "regex" }
      : value,
  z.discriminatedUnion("type", [regexMatcherSchema, statefulMatcherSchema]),
);

export const routeSchema = z.strictObject({
  target: z.enum(ROUTING_TARGETS),
  classifications: z
    .array(classification)
    .min(1)
    .default(["Error", "Security", "Anomaly", "ActionItem"])
    .describe("Which findings this route carries."),
  window: z
    .strictObject({
      duration: durationSchema.default("0ms"),
      min: z.number().int().min(1).default(1).describe("Fewer findings than this in a window: nothing is routed."),
      max: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(50)
        .describe("More than this: the rest are counted, not carried."),
    })
    .default({ duration: "0ms", min: 1, max: 50 })
    .describe("Aggregation: findings are collected for `duration` and sent as one event."),
  options: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .describe("Target-specific settings (agent name, Slack channel, webhook name, escalation chain)."),
});

export const sentinelSchema = z.strictObject({
  $schema: z.string().optional(),
  id,
  name: z.string().min(1).max(200),
  description: z.string().max(4000).optional(),
  tool: z.string().max(100).optional().describe("The tool whose output this sentinel reads, e.g. tsc."),
  category: category.optional().describe("Default failure category for this sentinel's matchers."),
  confidence: confidence.default(0.8),
  enabled: z.boolean().default(true),
  appliesTo: z
    .strictObject({
      sources: z.array(z.enum(SOURCES)).min(1).default(["shell", "log"]),
      jobs: z.array(z.string().min(1).max(200)).optional().describe("Globs on the CI job name."),
      commands: z
        .array(z.string().min(1).max(500))
        .optional()
        .describe("Globs on the command that produced the output."),
      whenUnknown: z
        .enum(["apply", "skip"])
        .default("apply")
        .describe(
          "When the stream's job name or command is not known (a downloaded log): `apply` runs the sentinel anyway; `skip` runs it only " +
            "where the globs are known to match, for output that means nothing without its command (`gofmt -l` lists file names).",
        ),
    })
    .default({ sources: ["shell", "log"], whenUnknown: "apply" }),
  matchers: z.array(matcherSchema).min(1).max(500),
  routing: z.array(routeSchema).max(20).default([]),
});

export type SentinelDefinition = z.infer<typeof sentinelSchema>;
export type MatcherDefinition = z.infer<typeof matcherSchema>;
export type RegexMatcherDefinition = z.infer<typeof regexMatcherSchema>;
export type StatefulMatcherDefinition = z.infer<typeof statefulMatcherSchema>;
export type RouteDefinition = z.infer<typeof routeSchema>;

// Read by the compiler, which must not load zod (see load-builtins.ts).
export { parseDuration } from "./duration.js";
