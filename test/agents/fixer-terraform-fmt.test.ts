import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { checkoutFix, projectRemote, runRecipe } from "../support/recipe-run.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// Neither Debian nor the npm registry ships terraform, so .ci/run cannot install it: these tests
// run where the machine has it (this project's machines carry /usr/local/bin/terraform).
const hasTerraform = (() => {
  try {
    execFileSync("terraform", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    console.warn(
      "\n!!! terraform is not installed (not in Debian or npm): the terraform-fmt recipe tests are SKIPPED.\n",
    );
    return false;
  }
})();

const UNALIGNED = 'variable "cidr" {\ntype = string\ndefault = "10.0.0.0/16"\n}\n';
// An infrastructure repository whose CI runs `terraform fmt -check -recursive infra`.
const PROJECT = {
  "infra/main.tf":
    'terraform {\n  required_version = ">= 1.5"\n}\n\nresource "null_resource" "marker" {\n  triggers = {\n    env = "prod"\n    owner_team = "platform"\n  }\n}\n',
  "infra/modules/network/variables.tf": UNALIGNED,
  "infra/outputs.tf": 'output "ok" {\n  value = true\n}\n',
  // Unformatted too, but outside the folder the check looks at.
  "examples/demo.tf": UNALIGNED,
};
const CHECK = ["terraform", "fmt", "-check", "-recursive", "infra"];

describe.skipIf(!hasTerraform)(
  "the terraform-fmt recipe, on a real configuration whose `terraform fmt -check` fails",
  () => {
    it("is chosen for the files terraform listed, formats only those, and the check passes", async () => {
      const run = await runRecipe(projectRemote(PROJECT, dirs), CHECK, dirs);
      expect(run.diagnosis).toMatchObject({ category: "format", tool: "terraform" });
      expect(run.outcome).toMatchObject({ status: "proposed", agentId: "terraform-fmt" });
      expect(run.steps).toEqual([["format", 0]]);
      expect(run.verify).toMatchObject({ command: CHECK, exitCode: 0, status: "passed" });
      expect(run.changed).toEqual(["infra/main.tf", "infra/modules/network/variables.tf"]);
      expect(run.show("infra/modules/network/variables.tf")).toBe(
        'variable "cidr" {\n  type    = string\n  default = "10.0.0.0/16"\n}\n',
      );
      execFileSync("terraform", CHECK.slice(1), { cwd: checkoutFix(run, dirs), env: { PATH: process.env.PATH } });
    }, 120_000);
  },
);
