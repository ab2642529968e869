// A seeded random number generator (mulberry32), so a faults run can be repeated: the same seed
// gives the same scenario (repositories, delivery order, when Redis restarts, the kill schedule).
// Timing on a shared machine still varies, so the same seed does not kill the same run twice.

/** Random numbers in [0, 1) from a 32-bit seed. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    /** A number in [min, max). */
    between: (min, max) => min + next() * (max - min),
    /** An exponentially distributed wait with this mean (a Poisson process's gaps). */
    exponential: (mean) => -Math.log(1 - next()) * mean,
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    /** A shuffled copy (Fisher-Yates). */
    shuffle: (xs) => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}
