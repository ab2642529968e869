/**
 * GitHub gives up on a delivery after 10 s, so a body still arriving after 30 s is no delivery
 * anyone waits for. 64 KiB/s (half a megabit) is far below any forge's or proxy's uplink, yet a
 * trickling client is cut within about a second of its grace. 25 MB, GitHub's largest payload,
 * therefore needs at least about 850 KiB/s to make the deadline.
 *
 * Here rather than in the server because the environment's schema documents them, and loading the
 * config must not load the HTTP server (the CLI loads the config).
 */
export const DEFAULT_BODY_DEADLINE_MS = 30_000;
export const DEFAULT_BODY_MIN_RATE = 64 * 1024;
