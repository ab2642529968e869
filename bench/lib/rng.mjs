// A seeded pseudo-random generator (mulberry32) so that a fuzz run is repeatable: the same seed
// produces the same cases in the same order.

export function createRng(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = {
    /** A float in [0, 1). */
    next,
    /** An integer in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
    /** `n` random bytes. */
    bytes: (n) => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
    /** `n` random characters from `alphabet`. */
    string: (n, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789") => {
      let s = "";
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      return s;
    },
    /** A weighted choice: `entries` is [[weight, value], ...]. */
    weighted: (entries) => {
      const total = entries.reduce((a, [w]) => a + w, 0);
      let r = next() * total;
      for (const [w, v] of entries) {
        if ((r -= w) < 0) return v;
      }
      return entries[entries.length - 1][1];
    },
  };
  return rng;
}
