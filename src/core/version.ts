/**
 * Sentinel's version, as the CLI and /healthz report it. It lives in core, not in the CLI, so that
 * the server can name it without importing the command tree (which imports the server back).
 */
export const VERSION = "0.1.0";
