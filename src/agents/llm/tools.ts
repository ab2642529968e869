import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { ChatCompletionFunctionTool } from "openai/resources/chat/completions";
import type { CheckResult, RunCheck } from "./check-result.js";
import { writeRefusal, type WritePolicy } from "./protected-paths.js";
import { confine } from "./worktree-paths.js";

const exec = promisify(execFile);

export const READ_CAP_BYTES = 64 * 1024;
export const SEARCH_CAP_LINES = 50;
export const PATCH_CAP_BYTES = 64 * 1024;

/** What a tool hands back: `data` is untrusted (file text, check summary) and is fenced by the loop. */
export type ToolOutput =
  | { ok: true; note?: string; data?: { label: string; text: string }; check?: CheckResult; files?: string[] }
  | { ok: false; error: string };

export interface WorktreeTools {
  definitions: ChatCompletionFunctionTool[];
  call(name: string, args: Record<string, unknown>): Promise<ToolOutput>;
  /** The files the applied patches touched so far (a patch taken back counts for nothing). */
  touched(): string[];
}

const fn = (name: string, description: string, properties: object, required: string[]): ChatCompletionFunctionTool => ({
  type: "function",
  function: { name, description, parameters: { type: "object", properties, required, additionalProperties: false } },
});

const DEFINITIONS: ChatCompletionFunctionTool[] = [
  fn(
    "read_file",
    `Read a file of the repository (path relative to its root; at most ${READ_CAP_BYTES} bytes are returned).`,
    { path: { type: "string" } },
    ["path"],
  ),
  fn(
    "search",
    `Search tracked files for a literal string; returns up to ${SEARCH_CAP_LINES} matching lines as path:line:text.`,
    { query: { type: "string" } },
    ["query"],
  ),
  fn(
    "apply_patch",
    "Apply a unified diff (as `git diff` prints it) to the repository. CI definitions and Sentinel's configuration are protected.",
    { diff: { type: "string" } },
    ["diff"],
  ),
  fn("run_check", "Re-run the failing command and get its new diagnosis.", {}, []),
];

export interface WorktreeToolsOptions {
  worktree: string;
  policy: WritePolicy;
  runCheck: RunCheck;
  /**
   * git's environment for this worktree: its administrative directory named explicitly, hooks and
   * fsmonitor off (workspace's gitEnv). Without it git finds the repository from the worktree,
   * where code run by run_check could have planted a `.git` of its own.
   */
  gitEnv?: Readonly<Record<string, string>>;
  /**
   * Asked after every applied patch with what the patches changed so far: why that change goes
   * beyond what the run may change (the blast radius), or null. A patch it objects to is taken
   * back and refused.
   */
  checkEdit?: (change: PatchedChange) => Promise<string | null>;
}

/** The files the applied patches touched, and their lines added and deleted against HEAD. */
export interface PatchedChange {
  readonly files: readonly string[];
  readonly linesAdded: number;
  readonly linesDeleted: number;
}

/** The agent's four tools over one worktree; every path is confined to it and every output capped. */
export function worktreeTools(o: WorktreeToolsOptions): WorktreeTools {
  const env = o.gitEnv ? { ...o.gitEnv } : undefined;
  const touched = new Set<string>();
  const handlers: Record<string, (args: Record<string, unknown>) => Promise<ToolOutput>> = {
    read_file: (args) => readTool(o.worktree, args.path),
    search: (args) => searchTool(o.worktree, args.query, env),
    apply_patch: async (args) => {
      const applied = await applyPatchTool(o.worktree, o.policy, args.diff, env);
      if (!applied.ok) return applied;
      const added = (applied.files ?? []).filter((f) => !touched.has(f));
      for (const f of added) touched.add(f);
      const over = o.checkEdit ? await o.checkEdit(await patchedChange(o.worktree, [...touched], env)) : null;
      if (!over) return applied;
      for (const f of added) touched.delete(f);
      const undone = await reversePatch(o.worktree, String(args.diff), env);
      return {
        ok: false,
        error: `${over}; the patch was ${undone ? "taken back" : "refused but could not be taken back"}`,
      };
    },
    run_check: async () => {
      const check = await o.runCheck();
      return { ok: true, check, data: { label: "check result", text: check.summary } };
    },
  };
  return {
    definitions: DEFINITIONS,
    call: (name, args) => handlers[name]?.(args) ?? Promise.resolve({ ok: false, error: `no tool named ${name}` }),
    touched: () => [...touched].sort(),
  };
}

async function readTool(worktree: string, requested: unknown): Promise<ToolOutput> {
  const where = await confine(worktree, String(requested ?? ""));
  if (!where.ok) return { ok: false, error: where.reason };
  // A missing file is an answer for the model ("not a file"), not a failure of the run.
  const info = await stat(where.absolute).catch(() => undefined);
  if (!info?.isFile()) return { ok: false, error: `${where.relative} is not a file` };
  const bytes = await readFile(where.absolute);
  const text = bytes.subarray(0, READ_CAP_BYTES).toString("utf8");
  const note = bytes.length > READ_CAP_BYTES ? `truncated to ${READ_CAP_BYTES} of ${bytes.length} bytes` : undefined;
  return { ok: true, note, data: { label: `file ${where.relative}`, text } };
}

async function searchTool(worktree: string, query: unknown, env?: Record<string, string>): Promise<ToolOutput> {
  if (typeof query !== "string" || query.trim() === "") return { ok: false, error: "no query given" };
  // git grep: tracked files only, never follows symlinks, and -F keeps the query a literal (no regex to blow up).
  const result = await exec("git", ["grep", "-n", "-I", "-F", "--no-color", "-e", query, "--", "."], {
    cwd: worktree,
    ...(env ? { env } : {}),
    maxBuffer: 4 * 1024 * 1024,
    timeout: 20_000,
  }).catch((error: { code?: number; stdout?: string }) => {
    // Exit 1 is git grep's "no match".
    if (error.code === 1) return { stdout: "" };
    throw error;
  });
  const lines = result.stdout.split("\n").filter(Boolean);
  const shown = lines.slice(0, SEARCH_CAP_LINES).map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l));
  const note = lines.length > SEARCH_CAP_LINES ? `${lines.length} matches, first ${SEARCH_CAP_LINES} shown` : undefined;
  return {
    ok: true,
    note,
    data: { label: `search results for a literal query`, text: shown.join("\n") || "(no match)" },
  };
}

async function applyPatchTool(
  worktree: string,
  policy: WritePolicy,
  diff: unknown,
  env?: Record<string, string>,
): Promise<ToolOutput> {
  if (typeof diff !== "string" || diff.trim() === "") return { ok: false, error: "no diff given" };
  if (Buffer.byteLength(diff) > PATCH_CAP_BYTES)
    return { ok: false, error: `the diff exceeds ${PATCH_CAP_BYTES} bytes` };
  if (/^(new file mode|new mode) 120000/m.test(diff)) return { ok: false, error: "patches may not create symlinks" };
  if (/^(new file mode|new mode) 160000/m.test(diff)) return { ok: false, error: "patches may not add submodules" };
  if (/^GIT binary patch/m.test(diff)) return { ok: false, error: "binary patches are refused" };
  const input = diff.endsWith("\n") ? diff : `${diff}\n`;
  // Ask git which paths the diff touches, as git itself will read them (renames give both names).
  const numstat = await git(worktree, ["apply", "--numstat", "-z", "-"], input, env);
  if (!numstat.ok) return { ok: false, error: `the diff does not parse: ${numstat.stderr}` };
  // numstat names only the new side of a rename or copy; the headers name the old side, which a
  // rename deletes (moving a workflow out of .github/ is an edit of .github/).
  const fromHeaders = headerPaths(diff);
  if (!fromHeaders.ok) return { ok: false, error: fromHeaders.error };
  const files = [...new Set([...touchedPaths(numstat.stdout), ...fromHeaders.paths])];
  if (files.length === 0) return { ok: false, error: "the diff touches no file" };
  for (const file of files) {
    const where = await confine(worktree, file);
    if (!where.ok) return { ok: false, error: `${file}: ${where.reason}` };
    const refusal = writeRefusal(where.relative, policy);
    if (refusal) return { ok: false, error: refusal };
  }
  const applied = await git(worktree, ["apply", "--whitespace=nowarn", "-"], input, env);
  if (!applied.ok) return { ok: false, error: `git apply refused the diff: ${applied.stderr}` };
  return { ok: true, note: `applied to ${files.join(", ")}`, files };
}

/** The paths a diff's extended headers name: rename/copy from and to, and `diff --git a/X b/Y`. */
function headerPaths(diff: string): { ok: true; paths: string[] } | { ok: false; error: string } {
  const paths: string[] = [];
  for (const line of diff.split("\n")) {
    const header = /^(?:rename|copy) (?:from|to) (.*)$/.exec(line) ?? /^diff --git (.*)$/.exec(line);
    if (!header) continue;
    // Quoted names (git's escaping of unusual bytes) would need git's unquoting to check; refuse them.
    if (header[1]!.includes('"')) return { ok: false, error: "diffs with quoted (escaped) path names are refused" };
    if (line.startsWith("diff --git ")) {
      const both = /^a\/(\S+) b\/(\S+)$/.exec(header[1]!);
      if (both) paths.push(both[1]!, both[2]!);
    } else paths.push(header[1]!);
  }
  return { ok: true, paths };
}

/** `git apply --numstat -z` records: "added\tdeleted\tpath\0", or for a rename "added\tdeleted\t\0old\0new\0". */
function touchedPaths(numstat: string): string[] {
  const parts = numstat.split("\0");
  const paths: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const fields = parts[i]!.split("\t");
    if (fields.length < 3) continue;
    if (fields[2] === "") {
      paths.push(parts[i + 1]!, parts[i + 2]!);
      i += 2;
    } else paths.push(fields[2]!);
  }
  return paths.filter(Boolean);
}

/**
 * What the patches changed in `files`, measured through a throwaway index: the worktree's own
 * index is left as it was, so nothing measured here (a patch later taken back) can be committed.
 */
async function patchedChange(
  worktree: string,
  files: readonly string[],
  env?: Record<string, string>,
): Promise<PatchedChange> {
  const index = path.join(tmpdir(), `sentinel-patch-index-${randomBytes(8).toString("hex")}`);
  const e = { ...(env ?? process.env), GIT_INDEX_FILE: index } as Record<string, string>;
  try {
    await git(worktree, ["read-tree", "HEAD"], "", e);
    await git(worktree, ["add", "--all", "--", ...files.map((f) => `:(literal)${f}`)], "", e);
    const numstat = await git(worktree, ["diff", "--cached", "--numstat", "--no-renames", "HEAD", "--"], "", e);
    let linesAdded = 0;
    let linesDeleted = 0;
    const changed: string[] = [];
    for (const line of numstat.stdout.split("\n").filter(Boolean)) {
      const [added, deleted, ...name] = line.split("\t");
      changed.push(name.join("\t"));
      linesAdded += added === "-" ? 0 : Number(added);
      linesDeleted += deleted === "-" ? 0 : Number(deleted);
    }
    return { files: changed, linesAdded, linesDeleted };
  } finally {
    await rm(index, { force: true });
  }
}

/** Takes back a diff apply_patch applied (a cached patch that no longer verifies, a patch over the limits). */
export async function reversePatch(
  worktree: string,
  diff: string,
  env?: Readonly<Record<string, string>>,
): Promise<boolean> {
  const input = diff.endsWith("\n") ? diff : `${diff}\n`;
  const undone = await git(worktree, ["apply", "-R", "--whitespace=nowarn", "-"], input, env ? { ...env } : undefined);
  return undone.ok;
}

function git(
  cwd: string,
  args: string[],
  input: string,
  env?: Record<string, string>,
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const options = { cwd, maxBuffer: 4 * 1024 * 1024, timeout: 20_000, ...(env ? { env } : {}) };
    const child = execFile("git", args, options, (error, stdout, stderr) =>
      resolve({ ok: !error, stdout, stderr: stderr.trim().slice(0, 2000) }),
    );
    // A git command that reads no input (read-tree, add) may exit before it is written: the pipe's
    // EPIPE says nothing the exit status does not.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input);
  });
}
