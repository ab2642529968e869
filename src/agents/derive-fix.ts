import { invocationOf, type PackageManager } from "./command-runner.js";
import { packageScripts } from "./package-scripts.js";
import type { DeriveRule } from "./recipe-schema.js";
import { quoteWord, shellWords, type SimpleCommand } from "./shell-words.js";

/** A derive rule and the recipe that declared it. */
export interface OwnedRule {
  readonly owner: string;
  readonly rule: DeriveRule;
}

/** One fix command, from one `&&` part of the failing command, and the recipe whose rule made it. */
export interface DerivedCommand {
  readonly argv: readonly string[];
  readonly owner: string;
}

export type DerivedFix = { readonly commands: readonly DerivedCommand[] } | { readonly refused: string };

/** How deep `npm run a` → `npm run b` → … is followed. */
const MAX_SCRIPT_DEPTH = 3;

/**
 * Variables a `NAME=value` prefix may not set in a fix command: what decides which program,
 * interpreter or package manager setting runs (the sandbox pins those), and anything secret.
 */
const UNSAFE_ENV =
  /^(?:PATH|HOME|SHELL|ENV|BASH_ENV|IFS|CI|TERM|TMPDIR|VIRTUAL_ENV|(?:LD|DYLD|NODE|NPM|YARN|PNPM|COREPACK|PYTHON|PIP|UV|POETRY|CONDA|CARGO|RUST|GO|GIT)\w*|\w*(?:TOKEN|SECRET|PASSW|KEY|AUTH|CREDENTIAL|PROXY)\w*|\w*_URL)$/i;

/**
 * The fix for the command that failed, made from that command itself so it checks and changes
 * the same paths with the same excludes and config: `black --check src --extend-exclude x` →
 * `black src --extend-exclude x`. Each `&&` part must be a check some rule knows the fix of
 * (package.json scripts are followed: `npm run lint` → its `eslint . && prettier --check .`);
 * anything else refuses the whole derivation, with the reason.
 */
export function deriveFix(
  failing: readonly string[] | null,
  rules: readonly OwnedRule[],
  readFile: ((path: string) => string | null) | undefined,
): DerivedFix {
  if (!failing?.length) return { refused: "the failing command is not known" };
  const line = shellLine(failing);
  if ("refused" in line) return { refused: `\`${failing.at(-1)}\` cannot be read as plain words: ${line.refused}` };
  let scripts: ReturnType<typeof packageScripts> | undefined;
  const readScripts = () => (scripts ??= packageScripts(readFile ? readFile("package.json") : null));
  const sorted = [...rules].sort((a, b) => b.rule.command.length - a.rule.command.length);
  return deriveAll(line.commands, { rules: sorted, readScripts, manager: null, depth: 0 });
}

/**
 * The failing command as plain argv when it is `sh -c` around one simple command with no
 * variables (what it runs is then the same without the shell, and reads as the user wrote it:
 * "verified by `cargo fmt --all --check`"); otherwise the command as it is.
 */
export function withoutShell(failing: readonly string[]): readonly string[] {
  const line = shellLine(failing);
  if ("refused" in line || line.commands.length !== 1 || line.commands[0]!.env.length > 0) return failing;
  return line.commands[0]!.words;
}

interface Env {
  readonly rules: readonly OwnedRule[];
  readonly readScripts: () => ReturnType<typeof packageScripts>;
  /** The package manager whose script this command is in, if any. */
  readonly manager: PackageManager | null;
  readonly depth: number;
}

/** `sh -c "<line>"` (as CI and `--command` give it) is read as a shell line; any other argv is already words. */
function shellLine(failing: readonly string[]): { commands: readonly SimpleCommand[] } | { refused: string } {
  const [shell, flag, text] = failing;
  if (failing.length === 3 && /^(?:\/bin\/|\/usr\/bin\/)?(?:sh|bash)$/.test(shell!) && flag === "-c")
    return shellWords(text!);
  return { commands: [{ env: [], words: [...failing] }] };
}

function deriveAll(commands: readonly SimpleCommand[], env: Env): DerivedFix {
  const out: DerivedCommand[] = [];
  for (const c of commands) {
    const derived = derivePart(c, env);
    if ("refused" in derived) return derived;
    out.push(...derived.commands);
  }
  return { commands: out };
}

function derivePart(c: SimpleCommand, env: Env): DerivedFix {
  const unsafe = c.env.find(([name]) => UNSAFE_ENV.test(name));
  if (unsafe) return { refused: `it sets ${unsafe[0]}, which a fix command may not set` };
  const prefix = c.env.length ? ["env", ...c.env.map(([n, v]) => `${n}=${v}`)] : [];
  const call = invocationOf(c.words, () => {
    const s = env.readScripts();
    return "refused" in s ? null : s;
  });
  if ("refused" in call) return call;
  if (call.kind === "script") {
    const sub = deriveScript(call.manager, call.name, call.extra, env);
    if ("refused" in sub) return sub;
    return { commands: sub.commands.map((d) => ({ ...d, argv: [...prefix, ...d.argv] })) };
  }
  const match = matchRule(call.words, env.rules);
  if (!match) return { refused: `\`${c.words.map(quoteWord).join(" ")}\` is not a check any recipe knows the fix of` };
  const args = fixArguments(call.words.slice(match.at), match.owned.rule);
  if ("refused" in args) return args;
  const head = call.words.slice(0, match.at);
  const add = match.owned.rule.add.filter((a) => !args.before.includes(a));
  const runner =
    call.prefix.length === 0 && match.owned.rule.nodePackage && !head[0]!.includes("/")
      ? execRunner(env.manager)
      : call.prefix;
  return {
    commands: [
      { argv: [...prefix, ...runner, ...head, ...add, ...args.before, ...args.after], owner: match.owned.owner },
    ],
  };
}

function deriveScript(manager: PackageManager, name: string, extra: readonly string[], env: Env): DerivedFix {
  const scripts = env.readScripts();
  if ("refused" in scripts) return { refused: `\`${manager} run ${name}\` needs package.json: ${scripts.refused}` };
  const text = scripts.get(name);
  if (text === undefined) return { refused: `package.json has no script \`${name}\`` };
  const hook = [`pre${name}`, `post${name}`].find((h) => scripts.has(h));
  if (hook) return { refused: `package.json's \`${hook}\` script runs with \`${name}\`` };
  if (env.depth >= MAX_SCRIPT_DEPTH) return { refused: `scripts call scripts more than ${MAX_SCRIPT_DEPTH} deep` };
  const words = shellWords(text);
  if ("refused" in words)
    return { refused: `package.json's script \`${name}\` cannot be read as plain words: ${words.refused}` };
  const commands = words.commands.map((c, i, all) =>
    i === all.length - 1 && extra.length ? { ...c, words: [...c.words, ...extra] } : c,
  );
  return deriveAll(commands, { ...env, manager, depth: env.depth + 1 });
}

/** How a script's bare npm executable runs outside the script (node_modules/.bin is on no sandbox PATH). */
function execRunner(manager: PackageManager | null): string[] {
  if (manager === "pnpm") return ["pnpm", "exec"];
  if (manager === "yarn") return ["yarn"];
  return ["npx", "--no-install"];
}

/** The rule whose command words start `words` (the first by name, also as node_modules/.bin/<name>), and where its arguments begin. */
function matchRule(words: readonly string[], rules: readonly OwnedRule[]): { owned: OwnedRule; at: number } | null {
  const name = words[0]?.replace(/^(?:\.\/)?node_modules\/\.bin\//, "");
  for (const owned of rules) {
    const [first, ...more] = owned.rule.command;
    if (name !== first) continue;
    let at = 1;
    // rustup's `cargo +nightly fmt` names a toolchain; it stays where it is.
    while (/^\+[A-Za-z0-9._-]+$/.test(words[at] ?? "")) at++;
    if (more.every((w, k) => words[at + k] === w)) return { owned, at: at + more.length };
  }
  return null;
}

/**
 * The check's arguments with its check options taken out; `before` is what precedes `--` (where
 * the fix's options go), `after` is `--` and what follows it, literal unless the rule passes it
 * through to another program's options. A value of a `values` option is never taken for an option.
 */
function fixArguments(
  args: readonly string[],
  rule: DeriveRule,
): { before: string[]; after: string[] } | { refused: string } {
  const before: string[] = [];
  const after: string[] = [];
  let out = before;
  let literal = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (literal) {
      out.push(a);
      continue;
    }
    if (a === "--" && out === before) {
      out = after;
      out.push(a);
      literal = !rule.passthrough;
      continue;
    }
    if (rule.drop.includes(a)) continue;
    if (rule.dropWithValue.includes(a)) {
      if (i + 1 >= args.length) return { refused: `${a} without its value` };
      i++;
      continue;
    }
    if (rule.dropWithValue.some((o) => o.startsWith("--") && a.startsWith(`${o}=`))) continue;
    out.push(a);
    if (rule.values.includes(a)) {
      if (i + 1 >= args.length) return { refused: `${a} without its value` };
      out.push(args[++i]!);
    }
  }
  // `cargo fmt -- --check` leaves a `--` with nothing after it.
  if (after.length === 1) after.length = 0;
  return { before, after };
}
