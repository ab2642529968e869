import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";
import type { ScriptedTurn } from "../../test/support/scripted-llm-server.js";

export const EVAL_DIR = path.dirname(fileURLToPath(import.meta.url));

/** A find/replace of ours on one of a public repository's files (bench/fix-repos/cases.yml's format). */
const editSchema = z.strictObject({ file: z.string(), find: z.string(), replace: z.string() });

const toolCallSchema = z.union([
  z.strictObject({ read_file: z.string() }),
  z.strictObject({ search: z.string() }),
  /** A diff file in the case's folder. */
  z.strictObject({ apply_patch: z.string() }),
  z.strictObject({ run_check: z.strictObject({}) }),
]);
const turnSchema = z.union([z.array(toolCallSchema).min(1), z.strictObject({ message: z.string() })]);

/** What the scripted model answers when no endpoint is configured, and what that should score. */
const scriptedSchema = z.strictObject({
  expect: z.enum(["fixed", "wrong", "refused"]),
  turns: z.array(turnSchema).min(1),
});

const localCaseSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  kind: z.enum(["test", "typecheck", "build"]),
  /** The project's own failing command, as CI runs it; `{tsc}` is Sentinel's own TypeScript compiler. */
  command: z.string(),
  /** Tools it needs on PATH. */
  needs: z.array(z.string()).default([]),
  /** Files or folders a fix may not change (the tests): restored before the independent check. */
  held: z.array(z.string()).default([]),
  scripted: scriptedSchema,
});

const repoCaseSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  kind: z.enum(["test", "typecheck", "build", "lint"]),
  ecosystem: z.string(),
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  defect: z.array(editSchema).min(1),
  command: z.string(),
  needs: z.array(z.string()).default([]),
  held: z.array(z.string()).default([]),
  /** Its diffs are files in bench/eval-agent/repo-cases/. */
  scripted: scriptedSchema,
});

export type Edit = z.infer<typeof editSchema>;

export interface EvalCase {
  readonly id: string;
  readonly kind: string;
  readonly command: string;
  readonly needs: readonly string[];
  readonly held: readonly string[];
  readonly source:
    | { readonly kind: "local"; readonly projectDir: string }
    | { readonly kind: "repository"; readonly repo: string; readonly commit: string; readonly defect: readonly Edit[] };
  /** What the scripted server replays with no endpoint configured; a case without one is skipped then. */
  readonly scripted?: { readonly expect: "fixed" | "wrong" | "refused"; readonly turns: ScriptedTurn[] };
}

/** The cases that need no network: small projects in bench/eval-agent/cases/<id>/project, each with its defect. */
export function localCases(dir = path.join(EVAL_DIR, "cases")): EvalCase[] {
  return readdirSync(dir)
    .filter((name) => existsSync(path.join(dir, name, "case.yml")))
    .sort()
    .map((name) => {
      const folder = path.join(dir, name);
      const c = localCaseSchema.parse(parse(readFileSync(path.join(folder, "case.yml"), "utf8")));
      return {
        id: c.id,
        kind: c.kind,
        command: c.command,
        needs: c.needs,
        held: c.held,
        source: { kind: "local" as const, projectDir: path.join(folder, "project") },
        scripted: { expect: c.scripted.expect, turns: c.scripted.turns.map((t) => scriptedTurn(folder, t)) },
      };
    });
}

/**
 * Public repositories at pinned commits with a committed defect of ours (bench/eval-agent/repo-cases.yml);
 * their scripts' diffs are in the repo-cases folder next to it.
 */
export function repositoryCases(file = path.join(EVAL_DIR, "repo-cases.yml")): EvalCase[] {
  const folder = path.join(path.dirname(file), "repo-cases");
  return z
    .array(repoCaseSchema)
    .parse(parse(readFileSync(file, "utf8")))
    .map((c) => ({
      id: c.id,
      kind: c.kind,
      command: c.command,
      needs: c.needs,
      held: c.held,
      source: { kind: "repository" as const, repo: c.repo, commit: c.commit, defect: c.defect },
      scripted: { expect: c.scripted.expect, turns: c.scripted.turns.map((t) => scriptedTurn(folder, t)) },
    }));
}

function scriptedTurn(folder: string, turn: z.infer<typeof turnSchema>): ScriptedTurn {
  if (!Array.isArray(turn)) return { kind: "message", content: turn.message };
  return {
    kind: "tool_calls",
    calls: turn.map((call) => {
      if ("read_file" in call) return { name: "read_file", arguments: { path: call.read_file } };
      if ("search" in call) return { name: "search", arguments: { query: call.search } };
      if ("apply_patch" in call)
        return { name: "apply_patch", arguments: { diff: readFileSync(path.join(folder, call.apply_patch), "utf8") } };
      return { name: "run_check", arguments: {} };
    }),
  };
}
