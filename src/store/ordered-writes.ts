/**
 * A store's writes in call order. `later` queues one and returns at once (the store works on it
 * while the caller goes on); `now` queues one and waits for it. Every write starts after the ones
 * queued before it. A `later` write's failure is kept for its key (a run) and raised by that key's
 * next `now`, once.
 */
export class OrderedWrites {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly failures = new Map<string | null, unknown>();

  later(key: string | null, write: () => Promise<unknown>): void {
    this.queue(write).catch((error: unknown) => {
      if (!this.failures.has(key)) this.failures.set(key, error);
    });
  }

  async now<T>(key: string | null, write: () => Promise<T>): Promise<T> {
    const result = await this.queue(write);
    this.raise(key);
    return result;
  }

  private queue<T>(write: () => Promise<T>): Promise<T> {
    const done = this.tail.then(write);
    // The caller of this write gets its failure; the writes after it still run.
    this.tail = done.catch(() => undefined);
    return done;
  }

  private raise(key: string | null): void {
    if (!this.failures.has(key)) return;
    const failure = this.failures.get(key);
    this.failures.delete(key);
    throw failure;
  }
}
