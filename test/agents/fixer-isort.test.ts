import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { fixerTool } from "../support/fixer-tools.js";
import { checkoutFix, projectRemote, runRecipe } from "../support/recipe-run.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const hasIsort = fixerTool("isort", ["--version"], "apt-get install isort");

// A small package whose CI runs `isort --check-only src` with its settings in pyproject.toml.
const UNSORTED =
  "import sys\nimport os\nfrom collections import OrderedDict, defaultdict\nimport json, re\n\nprint(os, sys, OrderedDict, defaultdict, json, re)\n";
const PROJECT = {
  "pyproject.toml":
    '[project]\nname = "inventory"\nversion = "0.3.0"\n\n[tool.isort]\nprofile = "black"\nforce_single_line = true\n',
  "src/inventory/__init__.py": "",
  "src/inventory/app.py": UNSORTED,
  "src/inventory/ok.py": "import os\nimport sys\n\nprint(os, sys)\n",
  // Unsorted too, but outside what the check looks at: the fix must leave it alone.
  "scripts/release.py": UNSORTED,
};

describe.skipIf(!hasIsort)("the isort recipe, on a real project whose `isort --check-only src` fails", () => {
  it("is chosen for isort's report, sorts only the file it named, with the project's settings, and the check passes", async () => {
    const run = await runRecipe(projectRemote(PROJECT, dirs), ["isort", "--check-only", "src"], dirs);
    expect(run.diagnosis).toMatchObject({ category: "format", tool: "isort" });
    expect(run.outcome).toMatchObject({ status: "proposed", agentId: "isort" });
    expect(run.steps).toEqual([["sort", 0]]);
    expect(run.verify).toMatchObject({ command: ["isort", "--check-only", "src"], exitCode: 0, status: "passed" });
    expect(run.changed).toEqual(["src/inventory/app.py"]);
    // The project's force_single_line splits the `from` import, as isort itself does with those settings.
    expect(run.show("src/inventory/app.py")).toContain(
      "from collections import OrderedDict\nfrom collections import defaultdict\n",
    );
    const fixed = checkoutFix(run, dirs);
    expect(run.show("src/inventory/app.py")).toBe(
      execFileSync("isort", ["--settings-path", "pyproject.toml", "-"], {
        cwd: fixed,
        input: UNSORTED,
        encoding: "utf8",
      }),
    );
    execFileSync("isort", ["--check-only", "src"], { cwd: fixed });
  }, 120_000);
});
