/**
 * A command as a person would type it, for commit messages, pull requests and the ledger's
 * sentences: a `sh -c` script is shown as the script (not `sh -c script` with its quoting lost),
 * and other arguments are quoted where a shell would need it.
 */
export function commandLine(argv: readonly string[]): string {
  if (argv.length === 3 && /^(\/usr)?(\/bin\/)?(ba|da)?sh$/.test(argv[0] ?? "") && argv[1] === "-c")
    return argv[2] as string;
  return argv.map(shellWord).join(" ");
}

function shellWord(arg: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
