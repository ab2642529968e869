/** One simple command of a shell line: its leading `NAME=value` assignments, then its words. */
export interface SimpleCommand {
  readonly env: readonly (readonly [name: string, value: string])[];
  readonly words: readonly string[];
}

export type ShellWords = { readonly commands: readonly SimpleCommand[] } | { readonly refused: string };

const MAX_LINE = 4000;
const NAME_EQ = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * A shell line as words, when it is nothing but simple commands joined by `&&` whose words mean
 * the same with or without a shell: quotes and backslashes are undone, and everything a shell
 * would evaluate, expand or redirect is refused with the reason (`$(…)`, `$VAR`, backticks,
 * pipes, `;`, `||`, `&`, redirections, subshells, comments, unquoted globs, braces and `~`,
 * several lines). The line comes from a CI log or a repository's package.json: it is data, and
 * nothing here runs it. Refusing is always safe: the caller then falls back to what the
 * diagnosis names.
 */
export function shellWords(line: string): ShellWords {
  if (line.length > MAX_LINE) return { refused: `the command is longer than ${MAX_LINE} characters` };
  if (line.trim() === "") return { refused: "an empty command" };
  const commands: SimpleCommand[] = [];
  let words: { text: string; bare: string }[] = [];
  let word: { text: string; bare: string } | null = null;
  // `bare` is the word's start up to its first quote or escape: only an unquoted `NAME=` assigns.
  let quoted = false;
  const push = (ch: string, isBare: boolean) => {
    word ??= { text: "", bare: "" };
    word.text += ch;
    if (isBare && !quoted) word.bare += ch;
    else quoted = true;
  };
  const endWord = () => {
    if (word) words.push(word);
    word = null;
    quoted = false;
  };
  const endCommand = (): string | null => {
    endWord();
    if (words.length === 0) return "`&&` with no command on one side";
    const firstWord = words.findIndex((w) => !NAME_EQ.test(w.bare));
    if (firstWord === -1) return "a line that only assigns variables";
    commands.push({
      env: words.slice(0, firstWord).map((w) => {
        const eq = w.text.indexOf("=");
        return [w.text.slice(0, eq), w.text.slice(eq + 1)] as const;
      }),
      words: words.slice(firstWord).map((w) => w.text),
    });
    words = [];
    return null;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === " " || c === "\t") {
      endWord();
      continue;
    }
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close === -1) return { refused: "an unterminated single quote" };
      word ??= { text: "", bare: "" };
      word.text += line.slice(i + 1, close);
      quoted = true;
      i = close;
      continue;
    }
    if (c === '"') {
      word ??= { text: "", bare: "" };
      quoted = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const d = line[j]!;
        if (d === "$" || d === "`") return { refused: `\`${d}\` inside double quotes (an expansion)` };
        if (d === "\\" && j + 1 < line.length) {
          const next = line[j + 1]!;
          if (next === "\n") return { refused: "a line continuation" };
          // Inside double quotes a backslash escapes only these; before anything else it stays.
          if ('"\\$`'.includes(next)) {
            word.text += next;
            j++;
            continue;
          }
        }
        word.text += d;
      }
      if (j >= line.length) return { refused: "an unterminated double quote" };
      i = j;
      continue;
    }
    if (c === "\\") {
      const next = line[i + 1];
      if (next === undefined || next === "\n") return { refused: "a line continuation" };
      push(next, false);
      i++;
      continue;
    }
    if (c === "&") {
      if (line[i + 1] !== "&") return { refused: "`&` (a background job)" };
      const problem = endCommand();
      if (problem) return { refused: problem };
      i++;
      continue;
    }
    const refusal = UNQUOTED[c];
    if (refusal) return { refused: refusal };
    if ((c === "#" || c === "!") && word === null) return { refused: STARTS[c]! };
    push(c, true);
  }
  const problem = endCommand();
  if (problem) return { refused: problem };
  return { commands };
}

/** What an unquoted character would make the shell do, and so why the line is refused. */
const UNQUOTED: Readonly<Record<string, string>> = {
  $: "`$` (a variable or command substitution)",
  "`": "a backtick (command substitution)",
  "|": "a pipe or `||`",
  ";": "`;` (a second command that runs whatever the first did)",
  "<": "a redirection",
  ">": "a redirection",
  "(": "a subshell or function",
  ")": "a subshell or function",
  "*": "an unquoted glob (`*`)",
  "?": "an unquoted glob (`?`)",
  "[": "an unquoted glob or test (`[`)",
  "{": "an unquoted brace (bash expands `{a,b}`)",
  "}": "an unquoted brace (bash expands `{a,b}`)",
  "~": "an unquoted `~` (a home directory)",
  "\n": "several lines",
  "\r": "several lines",
};

const STARTS: Readonly<Record<string, string>> = {
  "#": "a comment",
  "!": "an unquoted `!` (negation or history)",
};

/** One word quoted for a POSIX shell, for messages: `'it'\''s'`. */
export function quoteWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
