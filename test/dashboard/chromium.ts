import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's chromium package; override with SENTINEL_TEST_CHROMIUM for another build. */
export const CHROMIUM_PATH = process.env.SENTINEL_TEST_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Whether the browser tests can run. In CI (CI=true) a missing browser is a failure, not a skip
 * (.ci/run installs it); elsewhere they skip with a loud message, like the service-backed tests.
 */
export const chromiumAvailable = (() => {
  if (existsSync(CHROMIUM_PATH)) return true;
  const why = `Chromium is not installed at ${CHROMIUM_PATH}`;
  if (process.env.CI === "true")
    throw new Error(`${why}; it is required in CI (apt-get install chromium, or run .ci/run)`);
  console.warn(`\n!!! ${why}; the dashboard's browser tests are SKIPPED. Install it with: apt-get install chromium\n`);
  return false;
})();

/** Headless Chromium as a container runs it: no sandbox (no user namespaces), no GPU, no network chatter of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
