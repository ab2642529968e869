/** A seeded generator of numbers in [0, 1) (mulberry32), so a failing case can be replayed. */
export function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Gen {
  readonly source: string;
  sample(): string;
}

/** Random RE2 patterns with a sampler of strings they match (groups, repeats of groups, alternation). */
export function randomGen(r: () => number, depth = 0): Gen {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const atoms: Gen[] = [
    { source: "a", sample: () => "a" },
    { source: "E", sample: () => "E" },
    { source: ":", sample: () => ":" },
    { source: " ", sample: () => " " },
    { source: "\\.", sample: () => "." },
    { source: "\\d", sample: () => pick([..."0123456789"]) },
    { source: "\\w", sample: () => pick([..."aZ_9"]) },
    { source: "\\s", sample: () => pick([" ", "\t"]) },
    { source: "\\S", sample: () => pick(["x", ":", "é"]) },
    { source: "[^:]", sample: () => pick(["b", " ", "é"]) },
    { source: "[A-C]", sample: () => pick(["A", "B", "C"]) },
    { source: ".", sample: () => pick(["q", " ", ":", "✖"]) },
  ];
  const piece = (): Gen => {
    let g: Gen;
    if (depth < 2 && r() < 0.25) {
      const alts = Array.from({ length: 1 + Math.floor(r() * 2) }, () => randomGen(r, depth + 1));
      const open = pick(["(", "(?:", "(?P<n" + Math.floor(r() * 1e9) + ">"]);
      g = { source: `${open}${alts.map((a) => a.source).join("|")})`, sample: () => pick(alts).sample() };
    } else g = pick(atoms);
    const inner = g;
    const times =
      (min: number, max: number): Gen["sample"] =>
      () => {
        let out = "";
        for (let k = min + Math.floor(r() * (max - min + 1)); k > 0; k--) out += inner.sample();
        return out;
      };
    const q = r();
    if (q < 0.2) return { source: `${inner.source}*`, sample: times(0, 3) };
    if (q < 0.35) return { source: `${inner.source}+`, sample: times(1, 3) };
    if (q < 0.45) return { source: `${inner.source}?`, sample: times(0, 1) };
    if (q < 0.5) return { source: `${inner.source}{2,3}`, sample: times(2, 3) };
    return inner;
  };
  const parts = Array.from({ length: 1 + Math.floor(r() * 6) }, piece);
  return { source: parts.map((p) => p.source).join(""), sample: () => parts.map((p) => p.sample()).join("") };
}
