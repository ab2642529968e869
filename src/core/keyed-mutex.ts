/** Serialises callers per key within this process. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    // The previous holder's error is its caller's (returned to it below); here it only means
    // "the previous holder is done", so the chain ignores it.
    const result = previous.catch(() => {}).then(fn);
    const tail = result.catch(() => {}); // the caller gets this error from `result`
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
