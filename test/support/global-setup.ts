import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * One empty PGlite cluster for the whole run: each test file runs in a process of its own, and
 * without a shared copy each paid for initdb (seconds) before its first in-memory database.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), "sentinel-test-pglite-"));
  process.env.SENTINEL_PGLITE_TEMPLATE ??= path.join(dir, "empty-cluster.bin");
  // The CLI's store hosts (`fix` in-process, in many tests, each with a folder of its own) linger
  // 2 s, not a minute: enough for a test's next command to find its store open, without dozens of
  // idle PGlite processes outliving their tests. test/store/shared-store-host.test.ts covers lingering.
  process.env.SENTINEL_STORE_LINGER_S ??= "2";
  // No warm fix runners behind the built CLI's `fix` in tests (each would keep a spare process
  // for a minute); test/cli/warm-runner.test.ts turns it on for its own commands.
  process.env.SENTINEL_FIX_RUNNER_LINGER_S ??= "0";
  return () => rmSync(dir, { recursive: true, force: true });
}
