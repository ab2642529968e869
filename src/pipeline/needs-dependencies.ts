/** The programs that run a JavaScript project's own code or bins: they need its dependencies. */
const JS_RUNNERS = new Set(["npm", "npx", "pnpm", "pnpx", "yarn", "yarnpkg", "bun", "bunx", "node", "corepack", "tsx"]);
/** Words that run the command after them (`env X=1 eslint .`, `time npm test`). */
const WRAPPERS = new Set(["env", "time", "exec", "command", "nice", "nohup", "xargs"]);
const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ash"]);

/** Whether a command's words are a dependency install itself (`npm ci`, `yarn`, `pnpm i`, `bun install`). */
function isInstall(words: readonly string[]): boolean {
  const [tool, sub] = words;
  if (tool === "yarn" || tool === "yarnpkg") return sub === undefined || sub === "install" || sub.startsWith("-");
  if (tool === "npm" || tool === "pnpm" || tool === "bun")
    return sub === "ci" || sub === "install" || sub === "i" || sub === "add";
  return false;
}

/** The simple commands of a shell script: split at `&&`, `||`, `;`, `|`, `&`, newlines, subshells and substitutions. */
function simpleCommands(script: string): string[][] {
  return script
    .split(/&&|\|\||[;|&\n()`]|\$\(/)
    .map((part) =>
      part
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((w) => w.replace(/^['"]|['"]$/g, "")),
    )
    .filter((words) => words.length > 0);
}

/** A simple command's words from the program on: leading `VAR=value` assignments and wrappers dropped. */
function program(words: readonly string[]): string[] {
  let i = 0;
  while (i < words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!) || WRAPPERS.has(words[i]!))) i++;
  return words.slice(i);
}

/** The simple commands an argv runs: a `sh -c` script's, or the argv itself. */
function commandsOf(argv: readonly string[]): string[][] {
  const shell = argv[0] ? (argv[0].split("/").pop() as string) : "";
  if (SHELLS.has(shell)) {
    // `sh -c SCRIPT`, `bash -lc SCRIPT`, `bash -e -c SCRIPT`: the script is the argument after the -c flag.
    const c = argv.findIndex((a, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(a));
    if (c > 0 && argv[c + 1] !== undefined) return simpleCommands(argv[c + 1]!);
  }
  return [[...argv]];
}

export type DependencyNeed =
  { readonly needed: true; readonly because: string } | { readonly needed: false; readonly because: string };

/**
 * Whether reproducing `command` needs the repository's JavaScript dependencies installed first.
 * Yes when any of its simple commands runs a JavaScript runner (npm, npx, pnpm, yarn, bun, node,
 * corepack, tsx), a bin the dependencies provide (`eslint .`, `tsc --noEmit`), or a path in
 * node_modules; no when the command only installs (`npm ci`: reproducing that install is the point)
 * or runs nothing of the project's (`gofmt -l .`, `cargo fmt --check`, `black --check .`).
 * `bins` are the dependencies' bin names (detectPackageManager); without a package.json nothing is needed.
 */
export function dependencyNeed(
  command: readonly string[],
  o: { hasPackageJson: boolean; bins: ReadonlySet<string> },
): DependencyNeed {
  if (!o.hasPackageJson) return { needed: false, because: "the repository has no package.json" };
  const programs = commandsOf(command)
    .map(program)
    .filter((w) => w.length > 0);
  const js = programs.filter((words) => {
    const word = words[0]!;
    const name = word.split("/").pop() as string;
    return JS_RUNNERS.has(name) || word.includes("node_modules/") || (!word.includes("/") && o.bins.has(name));
  });
  if (js.length === 0)
    return { needed: false, because: "the command runs no JavaScript runner and no bin of the dependencies" };
  if (js.every(isInstall)) return { needed: false, because: "the command is a dependency install itself" };
  const first = js.find((w) => !isInstall(w))!;
  return { needed: true, because: `the command runs \`${first.slice(0, 3).join(" ")}\`` };
}
