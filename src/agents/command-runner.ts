/** A package manager whose scripts and executables a check may go through. */
export type PackageManager = "npm" | "pnpm" | "yarn";

/** What a command's words call: a package.json script, or a tool (behind `prefix`, a runner kept as written). */
export type Invocation =
  | { readonly kind: "script"; readonly manager: PackageManager; readonly name: string; readonly extra: string[] }
  | { readonly kind: "tool"; readonly prefix: string[]; readonly words: string[] }
  | { readonly refused: string };

/** npx's and npm exec's options that change where the executable comes from, not what it does. */
const NPX_OPTIONS = new Set(["--no-install", "--no", "--offline", "--prefer-offline", "-q", "--quiet", "-y", "--yes"]);
/** npm run's options that change only what npm prints (or that a missing script is not an error). */
const NPM_RUN_OPTIONS = new Set(["-s", "--silent", "--if-present"]);
const PYTHON = /^python(?:3(?:\.\d{1,2})?)?$/;
const PYTHON_RUNNERS = new Set(["poetry", "uv", "pipenv", "pdm"]);

/**
 * Which script or tool a command calls through the runners CI uses: `npm run lint`,
 * `pnpm [run] lint`, `yarn [run] lint` (a script when package.json has it), `npx`, `npm exec`,
 * `pnpm exec`, `yarn [exec] <bin>`, `python -m`, `poetry|uv|pipenv|pdm run`, or bare. An option
 * of a runner that could change what runs (`npx -p`, `pnpm --filter`, `uv run --with`) is refused.
 */
export function invocationOf(words: readonly string[], scripts: () => ReadonlyMap<string, string> | null): Invocation {
  const [first, second] = words;
  if (first === "npm" && (second === "run" || second === "run-script")) return npmRun(words.slice(2));
  if (first === "npm" && (second === "exec" || second === "x")) return execAfter(words, 2, NPX_OPTIONS, true);
  if (first === "npx") return execAfter(words, 1, NPX_OPTIONS, false);
  if (first === "pnpm" && second === "exec") return execAfter(words, 2, new Set(), false);
  if (first === "yarn" && second === "exec") return execAfter(words, 2, new Set(), false);
  if (first === "pnpm" || first === "yarn") {
    const named = second === "run" ? 2 : 1;
    const name = words[named];
    if (name === undefined || name.startsWith("-"))
      return { refused: `\`${first}\` with ${name ?? "no script"}: only \`${first} [run] <script>\` is read` };
    if (scripts()?.has(name)) {
      if (words.length > named + 1)
        return { refused: `arguments after \`${first} ${name}\` (how ${first} passes them on differs by version)` };
      return { kind: "script", manager: first, name, extra: [] };
    }
    // yarn runs a dependency's executable by name; pnpm only runs scripts (and its own commands).
    if (first === "yarn") return { kind: "tool", prefix: words.slice(0, named), words: words.slice(named) };
    return { refused: `\`pnpm ${name}\` is not a script of package.json` };
  }
  if (first !== undefined && PYTHON.test(first)) {
    if (second !== "-m" || words.length < 3) return { refused: `\`${first}\` without \`-m <module>\`` };
    return { kind: "tool", prefix: words.slice(0, 2), words: words.slice(2) };
  }
  if (first !== undefined && PYTHON_RUNNERS.has(first) && second === "run") {
    if (words[2]?.startsWith("-")) return { refused: `an option of \`${first} run\` (${words[2]})` };
    if (words.length < 3) return { refused: `\`${first} run\` with no command` };
    return { kind: "tool", prefix: words.slice(0, 2), words: words.slice(2) };
  }
  return { kind: "tool", prefix: [], words: [...words] };
}

function npmRun(rest: readonly string[]): Invocation {
  const dd = rest.indexOf("--");
  const own = dd === -1 ? rest : rest.slice(0, dd);
  const extra = dd === -1 ? [] : rest.slice(dd + 1);
  const names = own.filter((w) => !NPM_RUN_OPTIONS.has(w));
  const unknown = names.find((w) => w.startsWith("-"));
  if (unknown) return { refused: `the npm option ${unknown}` };
  if (names.length !== 1)
    return { refused: names.length === 0 ? "`npm run` with no script" : "arguments to `npm run` before `--`" };
  return { kind: "script", manager: "npm", name: names[0]!, extra: [...extra] };
}

function execAfter(words: readonly string[], from: number, options: ReadonlySet<string>, dashes: boolean): Invocation {
  let i = from;
  while (i < words.length && options.has(words[i]!)) i++;
  if (dashes && words[i] === "--") i++;
  const tool = words[i];
  if (tool === undefined) return { refused: `\`${words.slice(0, from).join(" ")}\` with no command` };
  if (tool.startsWith("-")) return { refused: `the option ${tool} of \`${words.slice(0, from).join(" ")}\`` };
  return { kind: "tool", prefix: words.slice(0, i), words: words.slice(i) };
}
