/**
 * The one line to print when start-up fails on purpose (a bad variable, a service it cannot reach):
 * every such error carries an `E_…` code and a message that says what to check, so a stack trace
 * would only bury it. Null for anything else, which deserves its stack.
 */
export function startErrorLine(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^E_[A-Z_]+$/.test(code) ? `sentinel: ${code}: ${error.message}` : null;
}
