import { existsSync, readdirSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { DockerfileParser, type Flag, type Instruction } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { describe, expect, it } from "vitest";
import { IMAGE_UID, SECRET_ENV, read, repoRoot } from "./deploy-support.js";

// There is no Docker engine here: these tests read deploy/Dockerfile as Docker's own language
// server does (dockerfile-utils: unknown instructions and flags, bad durations, duplicate
// HEALTHCHECKs…) and then check what the image must be. CI's `image` job builds and runs it.

const text = read("deploy/Dockerfile");
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const froms = dockerfile.getFROMs();
const runtimeStart = froms.at(-1)!.getRange().start.line;
const runtime = instructions.filter((i) => i.getRange().start.line >= runtimeStart);
const stageOf = (name: string): Instruction[] => {
  const i = froms.findIndex((f) => f.getBuildStage() === name);
  const start = froms[i]!.getRange().start.line;
  const end = froms[i + 1]?.getRange().start.line ?? Infinity;
  return instructions.filter((x) => x.getRange().start.line >= start && x.getRange().start.line < end);
};
const args = (i: Instruction) => i.getArgumentsContent() ?? "";
/** COPY's flags (from=deps, chmod=0755) and its paths, the last one being the destination. */
const flags = (i: Instruction) =>
  ((i as unknown as { getFlags?: () => Flag[] }).getFlags?.() ?? []).map((f) => `${f.getName()}=${f.getValue()}`);
const paths = (i: Instruction) => i.getArguments().map((a) => a.getValue());
const keyword = (list: Instruction[], k: string) => list.filter((i) => i.getKeyword() === k);

describe("deploy/Dockerfile", () => {
  it("has no problem Docker's language server reports", () => {
    expect(validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("builds in stages from one pinned Node 20 base and ships only the runtime stage", () => {
    expect(froms.map((f) => f.getBuildStage())).toEqual(["deps", "build", "runtime"]);
    for (const f of froms) expect(f.getImage()).toBe("${NODE_IMAGE}");
    const base = keyword(instructions, "ARG").find((a) => args(a).startsWith("NODE_IMAGE="));
    expect(args(base!)).toMatch(/^NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/);
    // The compiler and dev dependencies stay in the build stage: the runtime copies dist/ and the
    // production node_modules only.
    const fromStages = keyword(runtime, "COPY").flatMap((c) => flags(c).filter((f: string) => f.startsWith("from=")));
    expect(fromStages.sort()).toEqual(["from=build", "from=deps"]);
    const copies = keyword(runtime, "COPY").map((c) => [...flags(c), ...paths(c)].join(" "));
    expect(copies).toEqual(
      expect.arrayContaining(["from=deps /app/node_modules ./node_modules", "from=build /app/dist ./dist"]),
    );
  });

  it("installs exactly the lockfile, production-only where it ships, without install scripts", () => {
    const depsRun = keyword(stageOf("deps"), "RUN").map(args).join("\n");
    expect(depsRun).toMatch(/npm ci --omit=dev --ignore-scripts/);
    const buildRun = keyword(stageOf("build"), "RUN").map(args).join("\n");
    expect(buildRun).toMatch(/npm ci --ignore-scripts/);
    expect(buildRun).toMatch(/npm run build/);
    for (const stage of ["deps", "build"])
      expect(keyword(stageOf(stage), "COPY").map(args)).toContain("package.json package-lock.json .npmrc ./");
  });

  it("loses nothing by skipping install scripts: only msgpackr-extract has one, and its prebuilt addons are locked", () => {
    // If this fails, a new production dependency runs code at install time: decide whether the
    // image needs it (npm rebuild <name> in the deps stage) and add it here.
    const lock = JSON.parse(read("package-lock.json")) as {
      packages: Record<string, { dev?: boolean; hasInstallScript?: boolean; version?: string }>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([key, p]) => key !== "" && !p.dev && p.hasInstallScript)
      .map(([key]) => key.replace(/^.*node_modules\//, ""));
    expect([...new Set(withScripts)]).toEqual(["msgpackr-extract"]);
    for (const arch of ["x64", "arm64"])
      expect(lock.packages[`node_modules/@msgpackr-extract/msgpackr-extract-linux-${arch}`]).toBeDefined();
  });

  it("never needs a dev dependency at run time: every package src/ imports is installed by npm ci --omit=dev", () => {
    // What the image needs is the package at the top of the production tree. (Whether it is
    // also declared in package.json is hygiene, reported separately below as a warning.)
    const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { dev?: boolean }> };
    const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    const undeclared = new Set<string>();
    for (const file of walk(path.join(repoRoot, "src"))) {
      if (!file.endsWith(".ts") || file.endsWith(".d.ts")) continue;
      const source = read(path.relative(repoRoot, file));
      // Type-only imports are erased by tsc; everything else is loaded by node.
      const specifiers = [
        ...source.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm),
        ...source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
      ].map((m) => m[1]!);
      for (const s of specifiers) {
        if (s.startsWith(".") || s.startsWith("node:") || builtins.has(s)) continue;
        const name = s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!;
        const locked = lock.packages[`node_modules/${name}`];
        if (!locked || locked.dev) missing.add(`${name} (${path.relative(repoRoot, file)})`);
        else if (!pkg.dependencies[name]) undeclared.add(name);
      }
    }
    if (undeclared.size > 0)
      console.warn(
        `src/ imports packages package.json does not declare (installed only as others' dependencies): ${[...undeclared].join(", ")}`,
      );
    expect([...missing]).toEqual([]);
  });

  it("runs as a numeric non-root user that owns only /var/lib/sentinel", () => {
    const users = keyword(instructions, "USER");
    expect(users).toHaveLength(1);
    expect(users[0]!.getRange().start.line).toBeGreaterThan(runtimeStart);
    expect(args(users[0]!)).toBe(`${IMAGE_UID}:${IMAGE_UID}`);
    const setup = keyword(runtime, "RUN").map(args).join("\n");
    expect(setup).toContain(`useradd --uid ${IMAGE_UID} --gid ${IMAGE_UID}`);
    expect(setup).toMatch(
      new RegExp(
        `install -d -o ${IMAGE_UID} -g ${IMAGE_UID} -m 0750 /var/lib/sentinel /var/lib/sentinel/work /var/lib/sentinel/ledger`,
      ),
    );
    // The app's relative defaults would point under /app, which the user cannot write.
    const env = envOf(runtime);
    expect(env.SENTINEL_WORK_DIR).toBe("/var/lib/sentinel/work");
    expect(env.SENTINEL_DATA_DIR).toBe("/var/lib/sentinel/pglite");
    expect(env.HOST).toBe("0.0.0.0");
  });

  it("has the worker's tools: tini, bubblewrap and git from Debian, without recommends or apt lists", () => {
    const apt = keyword(runtime, "RUN")
      .map(args)
      .find((r) => r.includes("apt-get install"))!;
    expect(apt).toMatch(
      /apt-get install -y --no-install-recommends tini bubblewrap git ca-certificates \$\{EXTRA_APT_PACKAGES\}/,
    );
    expect(apt).toContain("rm -rf /var/lib/apt/lists/*");
  });

  it("puts no secret in ENV or ARG", () => {
    const names = [...keyword(instructions, "ENV"), ...keyword(instructions, "ARG")].flatMap((i) =>
      Object.keys(envOf([i])),
    );
    expect(names.length).toBeGreaterThan(3);
    for (const name of names) {
      expect(SECRET_ENV as readonly string[]).not.toContain(name);
      expect(name).not.toMatch(/SECRET|TOKEN|PASSWORD|PRIVATE|_KEY$/);
    }
  });

  it("starts under tini with the secrets-file entrypoint, and checks liveness on /healthz", () => {
    expect(keyword(runtime, "ENTRYPOINT").map(args)).toEqual([
      '["/usr/bin/tini", "--", "/usr/local/bin/sentinel-entrypoint"]',
    ]);
    expect(keyword(runtime, "CMD").map(args)).toEqual(['["node", "dist/main.js"]']);
    const health = keyword(runtime, "HEALTHCHECK");
    expect(health).toHaveLength(1);
    expect(args(health[0]!)).toContain("/healthz");
    expect(args(health[0]!)).not.toContain("/readyz");
    expect(keyword(runtime, "COPY").map((c) => [...flags(c), ...paths(c)].join(" "))).toContain(
      "chmod=0755 deploy/docker-entrypoint.sh /usr/local/bin/sentinel-entrypoint",
    );
  });

  it("copies everything the package ships (package.json's files) and package.json itself (type: module)", () => {
    const pkg = JSON.parse(read("package.json")) as { files: string[]; type: string };
    expect(pkg.type).toBe("module");
    const copied = keyword(runtime, "COPY").flatMap((c) => paths(c).slice(0, -1));
    const shipped = new Set(copied.map((p) => p.replace(/^\/app\//, "")));
    for (const f of [...pkg.files, "package.json", "node_modules"]) expect(shipped, f).toContain(f);
  });

  it("finds every file it COPYs from the context, none of them left out by .dockerignore", () => {
    const ignore = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    const sources = instructions
      .filter((i) => i.getKeyword() === "COPY" && !flags(i).some((f: string) => f.startsWith("from=")))
      .flatMap((c) => paths(c).slice(0, -1));
    expect(sources.length).toBeGreaterThan(8);
    for (const s of sources) {
      expect(existsSync(path.join(repoRoot, s)), `${s} exists`).toBe(true);
      expect(ignoredBy(ignore, s), `${s} is not in .dockerignore`).toBeNull();
    }
    // And what must never reach an image layer is left out.
    for (const p of [
      "node_modules/x",
      ".git/config",
      ".sentinel/pglite/x",
      "deploy/secrets/private_key",
      ".env",
      "sub/.env.local",
      "key.pem",
    ])
      expect(ignoredBy(ignore, p), p).not.toBeNull();
  });

  it("reads *_FILE secrets for exactly the secret variables the app has", () => {
    const shim = read("deploy/docker-entrypoint.sh");
    const list = /for name in ([^;]+); do/.exec(shim)![1]!.replace(/\\\n/g, " ").split(/\s+/).filter(Boolean);
    expect(list.sort()).toEqual([...SECRET_ENV].sort());
  });
});

/** ENV/ARG key=value pairs of instructions (both forms Docker accepts). */
function envOf(list: Instruction[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of list) {
    if (i.getKeyword() !== "ENV" && i.getKeyword() !== "ARG") continue;
    for (const m of args(i)
      .replace(/\\\n/g, " ")
      .matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("[^"]*"|\S*))?/g))
      out[m[1]!] = (m[2] ?? "").replace(/^"|"$/g, "");
  }
  return out;
}

/** The .dockerignore pattern that leaves `file` (or a folder above it) out, if any. */
function ignoredBy(patterns: string[], file: string): string | null {
  const parts = file.split("/");
  for (const pattern of patterns) {
    const re = new RegExp(
      "^" +
        pattern
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*\*\//g, "(?:.*/)?")
          .replace(/\*/g, "[^/]*") +
        "$",
    );
    for (let n = 1; n <= parts.length; n++) if (re.test(parts.slice(0, n).join("/"))) return pattern;
  }
  return null;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}
