import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { fixerTool } from "../support/fixer-tools.js";
import { checkoutFix, projectRemote, runRecipe } from "../support/recipe-run.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const hasGo = fixerTool("go", ["version"], "apt-get install golang-go");

/**
 * A service that vendors two of its own modules through local `replace` directives (so nothing is
 * downloaded: only the npm and Debian registries are reachable here). The `metrics` module now
 * needs `clock` v0.2.0, and go.mod still pins v0.1.0: the build list no longer matches go.mod, a
 * real drift that `go build` in read-only module mode (the default) refuses.
 */
const PROJECT = {
  // `go build ./...` of one main package writes its binary, as in CI; the project ignores it.
  ".gitignore": "/shop\n",
  "go.mod":
    "module example.com/shop\n\ngo 1.19\n\nrequire (\n\texample.com/clock v0.1.0\n\texample.com/metrics v0.0.0\n)\n\nreplace (\n\texample.com/clock => ./internal/clock\n\texample.com/metrics => ./internal/metrics\n)\n",
  "main.go":
    'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/clock"\n\t"example.com/metrics"\n)\n\nfunc main() { fmt.Println(metrics.Name, clock.Now()) }\n',
  "internal/metrics/go.mod": "module example.com/metrics\n\ngo 1.19\n\nrequire example.com/clock v0.2.0\n",
  "internal/metrics/metrics.go": 'package metrics\n\nconst Name = "metrics"\n',
  "internal/clock/go.mod": "module example.com/clock\n\ngo 1.19\n",
  "internal/clock/clock.go": "package clock\n\nfunc Now() int { return 0 }\n",
};

describe.skipIf(!hasGo)("the go-mod-tidy recipe, on a real module whose go.mod is stale", () => {
  it("is chosen for `updates to go.mod needed`, tidies offline, changes only go.mod, and the build passes", async () => {
    const run = await runRecipe(projectRemote(PROJECT, dirs), ["go", "build", "./..."], dirs);
    expect(run.diagnosis).toMatchObject({ category: "dependency", tool: "go" });
    expect(run.diagnosis.summary).toContain("updates to go.mod needed");
    expect(run.outcome, run.outcome.reason).toMatchObject({ status: "proposed", agentId: "go-mod-tidy" });
    expect(run.steps).toEqual([["tidy", 0]]);
    expect(run.verify).toMatchObject({ command: ["go", "build", "./..."], exitCode: 0, status: "passed" });
    expect(run.changed).toEqual(["go.mod"]);
    expect(run.show("go.mod")).toContain("\texample.com/clock v0.2.0\n");
    const fixed = checkoutFix(run, dirs);
    execFileSync("go", ["build", "-o", "/dev/null", "./..."], {
      cwd: fixed,
      env: { ...process.env, GOPROXY: "off", GOFLAGS: "-mod=readonly" },
    });
  }, 180_000);
});
