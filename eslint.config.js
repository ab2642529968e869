// The lint gate (`npm run lint`, part of `npm test`). Besides typescript-eslint's recommended
// rules it holds the architecture in place: concerns talk through each other's index.ts only,
// src/core depends on no concern, nock is reached only through the strict HTTP-mock helper, and
// no source file or function grows past what a reader can hold.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Deep imports across concerns, for a file `depth` folders below src/. */
function acrossConcerns(depth) {
  const up = depth === 0 ? "./" : "../".repeat(depth);
  return {
    group: [`${up}*/*`, `!${up}*/index.js`],
    message: "Import another concern through its index.ts (its public surface), not one of its files.",
  };
}

const nockOnlyInHelper = {
  name: "nock",
  message: "Use test/support/http-mock.ts: it fails a test on an unmocked request or an unused mock.",
};

function restrictedImports(depth) {
  return ["error", { paths: [nockOnlyInHelper], patterns: [acrossConcerns(depth)] }];
}

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "dist-check/**",
      "node_modules/**",
      "coverage/**",
      "test/fixtures/**",
      "bench/out/**",
      // eval:agent's projects carry their defects on purpose (a type error, a build error).
      "bench/eval-agent/cases/**",
      "scratch/**",
      ".sentinel/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        URLSearchParams: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        clearImmediate: "readonly",
        fetch: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        structuredClone: "readonly",
        performance: "readonly",
        queueMicrotask: "readonly",
        Response: "readonly",
        Request: "readonly",
        Headers: "readonly",
        document: "readonly",
        window: "readonly",
        gc: "readonly",
        EventSource: "readonly",
        globalThis: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "no-restricted-imports": ["error", { paths: [nockOnlyInHelper] }],
      // A CI-log classifier and the escapers in front of Slack, HTML and PostgreSQL match control
      // characters (ANSI escapes, NUL) on purpose.
      "no-control-regex": "off",
    },
  },
  {
    // Tests build payloads by editing real webhook examples field by field: raw JSON, not types.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      "max-lines": ["error", { max: 400 }],
      "max-lines-per-function": ["error", { max: 120 }],
    },
  },
  { files: ["src/*.ts"], rules: { "no-restricted-imports": restrictedImports(0) } },
  { files: ["src/*/*.ts"], rules: { "no-restricted-imports": restrictedImports(1) } },
  { files: ["src/*/*/*.ts"], rules: { "no-restricted-imports": restrictedImports(2) } },
  { files: ["src/*/*/*/*.ts"], rules: { "no-restricted-imports": restrictedImports(3) } },
  {
    // The shared vocabulary depends on nothing else in Sentinel.
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["../*"], message: "src/core imports no other concern." }] },
      ],
    },
  },
  { files: ["test/support/http-mock.ts"], rules: { "no-restricted-imports": "off" } },
  // `sentinel fix` loads these before anything else to reach a warm runner (src/cli/warm-runner.ts):
  // they take the few core files they need directly, not core's whole index.
  {
    files: ["src/cli/warm-runner.ts", "src/cli/warm-runner-client.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [nockOnlyInHelper] }] },
  },
);
