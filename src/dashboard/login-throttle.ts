/**
 * Failed logins per client address in a sliding window. A long random token cannot be guessed
 * anyway; this keeps a script from trying, and keeps the logs from filling with its attempts.
 * Behind a proxy every client shares the proxy's address, so a flood of wrong tokens can lock the
 * form for everyone for one window; bearer-token scripts are never throttled by it.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 10,
    private readonly windowMs = 5 * 60 * 1000,
    private readonly now: () => number = Date.now,
    /** Addresses tracked at once: a spray from many addresses must not grow memory without bound. */
    private readonly maxClients = 10_000,
  ) {}

  /** Milliseconds until this client may try again, or 0 when it may now. */
  retryAfterMs(client: string): number {
    const recent = this.recent(client);
    if (recent.length < this.maxFailures) return 0;
    return Math.max(0, (recent[0] as number) + this.windowMs - this.now());
  }

  fail(client: string): void {
    const recent = this.recent(client);
    recent.push(this.now());
    this.failures.delete(client);
    this.failures.set(client, recent);
    // Oldest-inserted first: Map keeps insertion order, and a client re-inserts on every failure.
    while (this.failures.size > this.maxClients) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeed(client: string): void {
    this.failures.delete(client);
  }

  private recent(client: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const kept = (this.failures.get(client) ?? []).filter((t) => t > cutoff);
    if (kept.length === 0) this.failures.delete(client);
    return kept;
  }
}
