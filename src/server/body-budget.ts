/** A request waited longer than it may for room to read its body. */
export class BodyBudgetTimeoutError extends Error {
  constructor(readonly waitedMs: number) {
    super(`no room to read the request body within ${waitedMs} ms`);
  }
}

/**
 * How many body bytes the server holds at once, across requests. A GitHub delivery's body must be
 * read before its signature can be checked, so without a total anyone could make the server buffer
 * 25 MB per connection. A request reserves its declared length (the per-request cap when it
 * declares none) before reading a byte, all at once, so no two requests can each hold part of what
 * they need and wait for the other. Until room frees up its bytes stay in the socket (TCP
 * backpressure); past `waitMs` it is refused. Grants are first come, first served.
 */
export class BodyBudget {
  private used = 0;
  private readonly waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(readonly limit: number) {}

  /** Bytes reserved now (for tests and metrics). */
  get inUse(): number {
    return this.used;
  }

  /** Resolves with a release function once `bytes` (at most `limit`) fit; rejects after `waitMs`. */
  reserve(bytes: number, waitMs: number): Promise<() => void> {
    const size = Math.min(Math.max(0, bytes), this.limit);
    const take = (): (() => void) => {
      this.used += size;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.used -= size;
        this.drain();
      };
    };
    if (this.waiting.length === 0 && this.used + size <= this.limit) return Promise.resolve(take());
    return new Promise((resolve, reject) => {
      const entry = {
        bytes: size,
        grant: () => {
          clearTimeout(timer);
          resolve(take());
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        reject(new BodyBudgetTimeoutError(waitMs));
        // A large request that gave up may have been holding back smaller ones behind it.
        this.drain();
      }, waitMs);
      this.waiting.push(entry);
    });
  }

  private drain(): void {
    for (let next = this.waiting[0]; next && this.used + next.bytes <= this.limit; next = this.waiting[0]) {
      this.waiting.shift();
      next.grant();
    }
  }
}
