// Hostile repository files for `bench/fuzz.mjs`: `.github/sentinel.yml` configs, sentinel rule
// files (YAML, JSON, problem matchers) and fix recipes, drawn from a seeded generator. None has
// a right answer; each must be validated (or refused with reasons) without crashing, hanging or
// blowing up memory. Many start from a valid file and break it, so they get past the first checks.

const VALID_CONFIG = `mode: propose
policy:
  freeze: [{ days: [fri], start: "16:00", end: "24:00", timezone: Europe/Berlin }]
  approval: { require: [{ categories: [dependency] }] }
sentinels:
  files: [.github/sentinels/deploy.yml]
  disable: [jest]
logs:
  maxBytes: 67108864
report: { checkRun: true, comment: true }
ignore:
  jobs: ["docs*"]
fix:
  enabled: false
  categories: { dependency: [] }
`;

const VALID_RULE = `id: deploy
name: Deploy script
tool: deploy
category: infra
appliesTo: { sources: [log, shell], jobs: ["deploy*"] }
matchers:
  - id: failed
    pattern: '^deploy failed: (?P<message>.+)$'
    confidence: 0.9
  - id: storm
    type: stateful
    count: 5
    withinLines: 100
`;

const VALID_RECIPE = `id: my-fix
name: My fixer
description: formats files
handles: { categories: [format] }
command: ["npx", "prettier", "--write", "."]
`;

/** Regular expressions that make a backtracking engine take exponential or polynomial time. */
const HOSTILE_PATTERNS = [
  "(a+)+$",
  "(a|a)+$",
  "(a|aa)+$",
  "(.*a){20}",
  "((a*)*)*b",
  "^(\\w+\\s?)*$",
  "(a+)+b(a+)+c",
  "([a-zA-Z]+)*[0-9]",
  "(x+x+)+y",
  "^(([a-z])+.)+[A-Z]([a-z])+$",
  "(a{1,1000}){1,1000}",
  "a{1000}{1000}",
  "(?:(?:(?:(?:(?:a*)*)*)*)*)*$",
  "(a)\\1+$",
  "(?=a)+a",
  "(?<=a)b",
  "[",
  "(",
  "\\",
  "(?P<file>",
  "(?P<a>x)(?P<a>y)",
  "\\p{Greek}+\\P{Latin}*",
  "x".repeat(5000),
  "(" + "a|".repeat(2000) + "b)",
];

/** Globs for job names, command names and paths that a backtracking translation to a regex chokes on. */
const HOSTILE_GLOBS = [
  "*a*a*a*a*a*a*a*a*a*a*b",
  "*".repeat(150) + "b",
  "?*?*?*?*?*?*?*?*?*?*?*?*!",
  "*(a+)+*",
  "[a-",
  "\\",
  "**/**/**/**/**/**/**/**/x",
];

/** Job names the hostile globs are matched against, as a worker would with a failure's job name. */
export const HOSTILE_JOB_NAMES = [
  "a".repeat(100),
  "a".repeat(250),
  "x".repeat(255),
  "docs-build",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
];

/** A log the compiled rules run over: lines built to make backtracking patterns explode. */
export function hostileLog() {
  return [
    "a".repeat(50_000) + "!",
    "deploy failed: " + "x".repeat(10_000),
    "(".repeat(5_000),
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
    "src/a.ts(1,1): error TS2322: " + "b".repeat(20_000),
    "\u0000\u0001\u0002 binary \ud800 lone surrogate",
    ...Array.from({ length: 2000 }, (_, i) => `line ${i}: ${i % 7 === 0 ? "ERROR something failed" : "ok"}`),
  ].join("\n");
}

export function configCaseGenerator(rng) {
  const quote = (s) => JSON.stringify(s);
  const billionLaughs = (levels, width) => {
    const lines = [`a0: &a0 ["lol"]`];
    for (let i = 1; i <= levels; i++)
      lines.push(`a${i}: &a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(", ")}]`);
    return lines;
  };
  const deepFlow = (depth) => "[".repeat(depth) + "]".repeat(depth);
  const deepBlock = (depth) => Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " x";
  const mutate = (text) => {
    const lines = text.split("\n");
    const n = rng.int(1, 6);
    for (let i = 0; i < n; i++) {
      const at = rng.int(0, lines.length - 1);
      const op = rng.int(0, 5);
      if (op === 0) lines.splice(at, 1);
      else if (op === 1) lines.splice(at, 0, lines[rng.int(0, lines.length - 1)] ?? "");
      else if (op === 2) lines[at] = (lines[at] ?? "").slice(0, rng.int(0, (lines[at] ?? "").length));
      else if (op === 3) lines[at] = "\t" + (lines[at] ?? "");
      else if (op === 4)
        lines[at] =
          (lines[at] ?? "") +
          rng.pick([" &x", " *x", " !!binary", ": :", " [", " {", ' "', " '", " #", " |", " >", " ---", " <<: *x"]);
      else lines[at] = rng.string(rng.int(1, 40), "abc:[]{}&*!|>'\"#-?%@` \t");
    }
    return lines.join("\n");
  };

  /** Hostile `.github/sentinel.yml` texts. */
  const configTexts = [
    [3, () => billionLaughs(rng.int(5, 9), rng.int(5, 10)).join("\n") + "\nmode: *a" + rng.int(1, 5)],
    [2, () => billionLaughs(9, 10).join("\n") + `\nsentinels:\n  files: *a9\nignore:\n  jobs: *a8`],
    [
      2,
      () =>
        `base: &b\n  mode: propose\n${Array.from({ length: rng.int(50, 300) }, (_, i) => `m${i}: { <<: *b }`).join("\n")}`,
    ],
    [2, () => `x: &x [${Array.from({ length: 200 }, () => "*x").join(",")}]`],
    [
      3,
      () =>
        `mode: ${rng.pick(["!!js/function 'function(){}'", "!!python/object:os.system [ls]", "!!binary aGVsbG8=", "!!timestamp 2001-12-14", "!<tag:yaml.org,2002:str> propose", "!!set {a, b}", "!!omap [a: 1]", "!unknown x", "!!int 3", "!!float .nan", "!!null ''", "!!map {}"])}`,
    ],
    [
      3,
      () =>
        `${rng.pick(["mode", "policy", "sentinels", "logs", "report", "ignore", "fix", "notify"])}: ${rng.pick(["42", "-1", "1e999", ".inf", "-.inf", ".nan", "true", "null", '""', "[]", "{}", "[[[]]]", quote("x".repeat(100_000)), "0x7fffffffffffffff", "~", "2001-12-14t21:59:43.10-05:00"])}`,
    ],
    [
      3,
      () =>
        `logs: { maxBytes: ${rng.pick(["1e308", "-1", "0", "1.5", '"lots"', "9007199254740993", "[1]", "{a: 1}", ".nan"])} }\nsentinels: { files: ${rng.pick(["[1, 2]", "{a: b}", '"x"', `[${Array.from({ length: 100 }, (_, i) => quote(`f${i}.yml`)).join(",")}]`, `[${quote("y".repeat(1000))}]`, '["../../etc/passwd", "/etc/shadow", ".github/../../x"]'])} }`,
    ],
    [
      3,
      () =>
        `ignore:\n  jobs: [${Array.from({ length: rng.int(1, 100) }, () => quote(rng.pick(HOSTILE_GLOBS).slice(0, 200))).join(", ")}]`,
    ],
    [
      2,
      () =>
        `fix:\n  categories:\n${Array.from({ length: rng.int(1, 11) }, () => `    ${rng.pick(["lint", "format", "test", "dependency", "__proto__", "constructor", "bogus"])}: [${quote(rng.pick(HOSTILE_GLOBS))}]`).join("\n")}`,
    ],
    [2, () => `${deepFlow(rng.pick([100, 1000, 10_000, 100_000]))}`],
    [2, () => `policy: ${deepFlow(rng.pick([100, 1000, 10_000]))}`],
    [2, () => deepBlock(rng.pick([100, 500, 2000]))],
    [
      2,
      () =>
        `mode: propose\n${Array.from({ length: rng.pick([1000, 20_000, 100_000]) }, (_, i) => `k${i}: ${i}`).join("\n")}`,
    ],
    [2, () => `mode: ${quote("x".repeat(rng.pick([1_000_000, 5_000_000])))}`],
    [
      2,
      () =>
        `__proto__: { mode: push }\nconstructor: { prototype: { polluted: true } }\nmode: diagnose\npolicy: { __proto__: { polluted: true } }`,
    ],
    [2, () => `mode: propose\nmode: push\nfix: {}\nfix: { enabled: true }`],
    // Under the 64 KiB cap: thousands of keys, one repeated at the end (the linear check finds it).
    [2, () => `${Array.from({ length: 6_000 }, (_, i) => `k${i}: ${i}`).join("\n")}\nk${rng.int(0, 5_999)}: again`],
    [1, () => `mode: ${"- ".repeat(rng.pick([100, 10_000, 30_000]))}x`],
    [2, () => "\ufeff" + VALID_CONFIG],
    [2, () => VALID_CONFIG.replace(/\n/g, rng.pick(["\r\n", "\r", "\u2028", "\u0085"]))],
    [2, () => VALID_CONFIG + "\u0000\u0001\u0007" + "\ud800"],
    [2, () => Array.from({ length: rng.int(2, 300) }, () => "---\nmode: propose").join("\n")],
    [
      2,
      () =>
        `_extends: ${rng.pick([".github", "other/repo", "../../x", "a".repeat(5000), "[1,2]", "{a: 1}", "*x"])}\nmode: propose`,
    ],
    [12, () => mutate(VALID_CONFIG)],
    [2, () => rng.string(rng.int(1, 20_000), "abc:[]{}&*!|>'\"#-?%@`, \t\n")],
  ];

  /** Sentinel rule-file texts (YAML unless `json`). */
  const ruleTexts = [
    [8, () => VALID_RULE.replace("'^deploy failed: (?P<message>.+)$'", quote(rng.pick(HOSTILE_PATTERNS)))],
    [
      3,
      () =>
        VALID_RULE.replace(
          'jobs: ["deploy*"]',
          `jobs: [${quote(rng.pick(HOSTILE_GLOBS))}], commands: [${quote(rng.pick(HOSTILE_GLOBS))}]`,
        ),
    ],
    [
      3,
      () =>
        VALID_RULE.replace("count: 5", `count: ${rng.pick(["100000", "-1", "1e9", "0", "2.5", '"many"'])}`).replace(
          "withinLines: 100",
          `withinLines: ${rng.pick(["10000000", "0", "-5", "1e99"])}`,
        ),
    ],
    [
      2,
      () =>
        VALID_RULE +
        `  - id: chain\n    pattern: '^start$'\n    then:\n${Array.from({ length: rng.int(1, 60) }, () => `      - pattern: ${quote(rng.pick(HOSTILE_PATTERNS))}\n        within: ${rng.int(1, 1000)}`).join("\n")}`,
    ],
    [3, () => billionLaughs(rng.int(5, 9), 10).join("\n") + "\nid: x\nname: *a3\nmatchers: *a" + rng.int(2, 9)],
    [
      2,
      () =>
        Array.from({ length: rng.int(2, 150) }, (_, i) => VALID_RULE.replace("id: deploy", `id: d${i}`)).join(
          "\n---\n",
        ),
    ],
    [2, () => VALID_RULE + "matchers:\n  - id: dup\n    pattern: x"],
    [
      2,
      () =>
        `id: big\nname: big\nmatchers:\n${Array.from({ length: rng.pick([1000, 10_000]) }, (_, i) => `  - id: m${i}\n    pattern: '(a+)+${i}$'`).join("\n")}`,
    ],
    [2, () => deepFlow(rng.pick([1000, 10_000, 100_000]))],
    [2, () => "x".repeat(rng.pick([1024 * 1024 + 1, 3 * 1024 * 1024]))],
    // Under the 1 MB rule-file cap, but one mapping with tens of thousands of keys.
    [
      1,
      () =>
        `id: many\nname: many\nmatchers: [{ id: a, pattern: x }]\n${Array.from({ length: rng.pick([5_000, 20_000, 60_000]) }, (_, i) => `k${i}: 1`).join("\n")}`,
    ],
    [
      2,
      () =>
        `id: ${rng.pick(["!!js/undefined ''", "!!binary aGk=", "!foo bar", "[a]", "{}", quote("i".repeat(10_000)), "__proto__", "constructor"])}\nname: x\nmatchers: [{ id: a, pattern: x }]`,
    ],
    [10, () => mutate(VALID_RULE)],
    // Valid patterns with literals whose compiled programs are large: the 2,000-instruction cap, the
    // 20,000 budget a repository's patterns share, and the estimate that refuses without compiling.
    [
      2,
      () =>
        `id: wide\nname: wide\nmatchers:\n${Array.from({ length: rng.int(5, 300) }, (_, i) => `  - id: m${i}\n    pattern: 'error${i} ${"\\w{1000}".repeat(rng.int(1, 4))}'`).join("\n")}`,
    ],
    [1, () => `id: huge\nname: huge\nmatchers:\n  - id: m\n    pattern: 'error ${"\\w{1000}".repeat(500)}'`],
    [
      2,
      () =>
        `id: broad\nname: broad\nmatchers:\n${Array.from({ length: rng.int(1, 50) }, (_, i) => `  - id: m${i}\n    pattern: ${quote(rng.pick(["^(.*)$", "\\S+", "^(?P<file>[^:]+):(?P<line>\\d+)", "(?i)e", "."]))}\n    action: ${rng.pick(["emit", "suppress"])}`).join("\n")}`,
    ],
  ];
  const jsonRuleTexts = [
    [
      3,
      () =>
        JSON.stringify({
          problemMatcher: [
            {
              owner: rng.pick(["x", "__proto__", "a".repeat(5000)]),
              pattern: [{ regexp: rng.pick(HOSTILE_PATTERNS), file: 1, message: 2 }],
            },
          ],
        }),
    ],
    [
      2,
      () =>
        JSON.stringify({
          problemMatcher: [
            {
              owner: "x",
              pattern: Array.from({ length: rng.int(1, 50) }, () => ({
                regexp: rng.pick(HOSTILE_PATTERNS),
                loop: rng.chance(0.5),
              })),
            },
          ],
        }),
    ],
    [2, () => JSON.stringify({ id: "j", name: "j", matchers: [{ id: "a", pattern: rng.pick(HOSTILE_PATTERNS) }] })],
    [2, () => deepFlow(rng.pick([1000, 10_000, 100_000]))],
    [2, () => '{"__proto__": {"polluted": true}, "problemMatcher": {"__proto__": []}}'],
    [
      2,
      () =>
        JSON.stringify({
          problemMatcher: [
            {
              owner: "x",
              pattern: [
                { regexp: "(.*)", file: rng.pick([-1, 999, 1e99, "1", null]), line: rng.pick([0, -5, 2 ** 53]) },
              ],
            },
          ],
        }),
    ],
    [2, () => rng.string(rng.int(1, 5000), '{}[]":,0123456789.eE+-truefalsnl \\u')],
    [
      2,
      () =>
        JSON.stringify({
          problemMatcher: Array.from({ length: rng.int(1, 40) }, (_, i) => ({
            owner: `m${i}`,
            pattern: [{ regexp: `error${i} ${"\\w{1000}".repeat(rng.int(1, 3))}(.*)`, message: 1 }],
          })),
        }),
    ],
    [
      2,
      () =>
        `// comments, as the runner accepts\n${JSON.stringify({ problemMatcher: [{ owner: "any", pattern: [{ regexp: "^(\\S+):(\\d+) (.*)$", file: 1, line: 2, message: 3 }] }] })}`,
    ],
  ];
  const recipeTexts = [
    [
      3,
      () =>
        VALID_RECIPE.replace(
          '["npx", "prettier", "--write", "."]',
          rng.pick(['"rm -rf /"', "[]", "{}", "42", `[${quote("x".repeat(100_000))}]`, "*a", deepFlow(5000)]),
        ),
    ],
    [2, () => billionLaughs(9, 10).join("\n") + "\nid: *a2\ncommand: *a9"],
    [3, () => mutate(VALID_RECIPE)],
    [2, () => `id: big\n${Array.from({ length: rng.pick([6_000, 40_000]) }, (_, i) => `k${i}: 1`).join("\n")}\nk1: 2`],
    [1, () => `id: deep\nsteps: ${deepFlow(rng.pick([100, 30_000]))}`],
  ];

  return {
    /** The next case: { kind, file, text, files (other files the config names), jobName }. */
    next() {
      const jobName = rng.pick(HOSTILE_JOB_NAMES);
      return rng.weighted([
        [
          40,
          () => {
            const text = rng.weighted(configTexts)();
            // Half of the configs also name hostile rule files and recipes, so those load through the config too.
            const files = {};
            if (rng.chance(0.5)) files[".github/sentinels/deploy.yml"] = rng.weighted(ruleTexts)();
            return { kind: "config", file: ".github/sentinel.yml", text, files, jobName };
          },
        ],
        [
          35,
          () => ({
            kind: "rule",
            file: `.github/sentinels/r${rng.int(0, 1e6)}.yml`,
            text: rng.weighted(ruleTexts)(),
            jobName,
          }),
        ],
        [
          15,
          () => ({
            kind: "rule",
            file: `.github/sentinels/r${rng.int(0, 1e6)}.json`,
            text: rng.weighted(jsonRuleTexts)(),
            jobName,
          }),
        ],
        [
          10,
          () => ({
            kind: "recipe",
            file: `.github/recipes/r${rng.int(0, 1e6)}.yml`,
            text: rng.weighted(recipeTexts)(),
            jobName,
          }),
        ],
      ])();
    },
  };
}

export const VALID_FILES = { config: VALID_CONFIG, rule: VALID_RULE, recipe: VALID_RECIPE };
