// A seeded pseudo-random generator (mulberry32) so that a bench run is repeatable: the same seed
// produces the same fuzz cases in the same order, the same faults scenario (repositories, delivery
// order, when Redis restarts, the kill schedule). Timing on a shared machine still varies.

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
    /** A number in [min, max). */
    between: (min, max) => min + next() * (max - min),
    /** An exponentially distributed wait with this mean (a Poisson process's gaps). */
    exponential: (mean) => -Math.log(1 - next()) * mean,
    pick: (list) => list[Math.floor(next() * list.length)],
    /** A shuffled copy (Fisher-Yates). */
    shuffle: (list) => {
      const out = [...list];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
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
