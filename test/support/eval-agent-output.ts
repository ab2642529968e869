import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface ScriptRun {
  /** The exit code (1 when a signal ended it). */
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run <script>` in the repository's root, as a person runs it, with exactly `env`. */
export function spawnScript(script: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", script, ...(args.length > 0 ? ["--", ...args] : [])], {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

/** One row of eval:agent's per-case table, as printed. */
export interface TableRow {
  result: string;
  id: string;
  kind: string;
  turns: string;
  tokensIn: string;
  tokensOut: string;
  cost: string;
  seconds: string;
  detail: string;
}

const ROW =
  /^(fixed|wrong|refused|skipped) +(\S+) +(\S+) +(\d+) turns +(\d+) in +(\d+) out cost (\d+\.\d{4}) +(\d+\.\d) s {2}(.*)$/;

/** The per-case rows of eval:agent's output (bench/eval-agent.ts's `line`), in order. */
export function tableRows(output: string): TableRow[] {
  return output.split("\n").flatMap((text) => {
    const m = ROW.exec(text);
    if (!m) return [];
    const [, result, id, kind, turns, tokensIn, tokensOut, cost, seconds, detail] = m as unknown as string[];
    return [{ result, id, kind, turns, tokensIn, tokensOut, cost, seconds, detail } as TableRow];
  });
}
