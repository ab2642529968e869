import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { fixerTool } from "../support/fixer-tools.js";
import { checkoutFix, projectRemote, runRecipe } from "../support/recipe-run.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const hasShfmt = fixerTool("shfmt", ["--version"], "apt-get install shfmt");

const DEPLOY =
  '#!/usr/bin/env bash\nset -euo pipefail\ndeploy(){\nif [ -n "${1:-}" ]; then\necho "deploying $1"\nfi\n}\ndeploy "$@"\n';
// Shell scripts whose CI runs `shfmt -d scripts`; .editorconfig asks for two-space indents.
const PROJECT = {
  ".editorconfig": "root = true\n\n[*]\nend_of_line = lf\n\n[*.sh]\nindent_style = space\nindent_size = 2\n",
  "scripts/deploy.sh": DEPLOY,
  "scripts/ok.sh": '#!/bin/sh\necho "ok"\n',
  // Unformatted too, but outside what the check looks at.
  "ci/setup.sh": DEPLOY,
};

describe.skipIf(!hasShfmt)("the shfmt recipe, on real shell scripts whose `shfmt -d` fails", () => {
  it("is chosen for shfmt's diff, rewrites only the script it named, as .editorconfig says, and the check passes", async () => {
    const run = await runRecipe(projectRemote(PROJECT, dirs), ["shfmt", "-d", "scripts"], dirs);
    expect(run.diagnosis).toMatchObject({ category: "format", tool: "shfmt" });
    expect(run.outcome).toMatchObject({ status: "proposed", agentId: "shfmt" });
    expect(run.steps).toEqual([["format", 0]]);
    expect(run.verify).toMatchObject({ command: ["shfmt", "-d", "scripts"], exitCode: 0, status: "passed" });
    expect(run.changed).toEqual(["scripts/deploy.sh"]);
    // Two spaces from .editorconfig, where shfmt's own default is a tab.
    expect(run.show("scripts/deploy.sh")).toBe(
      '#!/usr/bin/env bash\nset -euo pipefail\ndeploy() {\n  if [ -n "${1:-}" ]; then\n    echo "deploying $1"\n  fi\n}\ndeploy "$@"\n',
    );
    execFileSync("shfmt", ["-d", "scripts"], { cwd: checkoutFix(run, dirs) });
  }, 120_000);

  it("is chosen for `shfmt -l`, whose bare file names only the command explains", async () => {
    // shfmt -l exits 0 whatever it lists, so CI prints the list and fails on it.
    const check = ["sh", "-c", 'out="$(shfmt -l scripts)"; printf "%s\\n" "$out"; test -z "$out"'];
    const run = await runRecipe(projectRemote(PROJECT, dirs), check, dirs);
    expect(run.diagnosis).toMatchObject({ category: "format", tool: "shfmt" });
    expect(run.outcome).toMatchObject({ status: "proposed", agentId: "shfmt" });
    expect(run.verify).toMatchObject({ exitCode: 0, status: "passed" });
    expect(run.changed).toEqual(["scripts/deploy.sh"]);
  }, 120_000);
});
