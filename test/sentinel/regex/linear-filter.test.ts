import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { toLinearFilter } from "../../../src/sentinel/regex/linear-filter.js";
import { randomGen, rng } from "./random-patterns.js";

describe("the linear filter of a pattern", () => {
  // A filter that turns away a line its pattern matches would silently lose a finding.
  it("passes every line its pattern matches, for thousands of random patterns", () => {
    const r = rng(5);
    const failures: string[] = [];
    let filters = 0;
    let checked = 0;
    for (let n = 0; n < 8000 && failures.length < 5; n++) {
      const gen = randomGen(r);
      const source = "^" + gen.source + (r() < 0.3 ? "$" : "");
      let re: RE2JS;
      try {
        re = RE2JS.compile(source);
      } catch {
        continue; // not RE2 syntax
      }
      const filter = toLinearFilter(source, false);
      if (!filter) continue;
      filters++;
      for (let k = 0; k < 10; k++) {
        const line = gen.sample() + (r() < 0.5 ? "" : "tail");
        if (!re.test(line)) continue;
        checked++;
        if (!filter.test(line)) failures.push(`${source} -> ${filter.source} missed ${JSON.stringify(line)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(filters).toBeGreaterThan(500);
    expect(checked).toBeGreaterThan(2000);
  });

  it("keeps the word a pattern needs after a repeated group", () => {
    const f = toLinearFilter("^((?:[A-Za-z_]\\w*\\.)*[A-Z]\\w*(?:Error|Exception)\\b.*)$", false)!;
    expect(f.test("requests.exceptions.ConnectionError: refused")).toBe(true);
    expect(f.test("  warning: error in module")).toBe(false);
  });

  it("is not made for unanchored or case-folding patterns", () => {
    expect(toLinearFilter("(?:\\w+\\.)*Error: .*", false)).toBeNull();
    expect(toLinearFilter("^(?:\\w+\\.)*Error: .*", true)).toBeNull();
  });
});
