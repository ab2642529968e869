/**
 * What the runner strips before matching. Its C# source spells the prefix "\033[" and the regex
 * `\x0033\[[0-9;]*m?`, but C# has no octal escapes and .NET's `\x` takes two hex digits, so both
 * mean NUL followed by "33[": real ANSI sequences (ESC "[") reach the matchers untouched
 * (actions/runner#2341, unmerged fix actions/runner#2430). That is why some shipped matchers,
 * e.g. setup-rust-toolchain's, match `\x1b[...m` themselves.
 */
const RUNNER_COLOR_PREFIX = "\u000033[";
const RUNNER_COLOR_CODE = /\u000033\[[0-9;]*m?/g;

export function stripRunnerColorCodes(line: string): string {
  return line.includes(RUNNER_COLOR_PREFIX) ? line.replace(RUNNER_COLOR_CODE, "") : line;
}
