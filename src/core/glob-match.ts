/**
 * `*` any run of characters, `?` one character; case-insensitive; the whole string must match.
 * Globs come from repositories' config, so this never builds a regex: `*a*a*a*a*b` as `.*a.*a…`
 * backtracks for minutes on a long name. Greedy matching that retries only the last `*` takes
 * at most glob × text steps.
 */
export function globMatch(glob: string, text: string): boolean {
  const g = glob.toLowerCase();
  const t = text.toLowerCase();
  let gi = 0;
  let ti = 0;
  let star = -1;
  let resume = 0;
  while (ti < t.length) {
    const c = g[gi];
    if (c === "*") {
      star = gi++;
      resume = ti;
    } else if (gi < g.length && (c === "?" || c === t[ti])) {
      gi++;
      ti++;
    } else if (star !== -1) {
      gi = star + 1;
      ti = ++resume;
    } else {
      return false;
    }
  }
  while (g[gi] === "*") gi++;
  return gi === g.length;
}
