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
  return () => rmSync(dir, { recursive: true, force: true });
}
