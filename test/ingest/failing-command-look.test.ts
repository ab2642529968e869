import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { withFailingCommand } from "../../src/ingest/failing-command-look.js";
import { classifyText, loadBuiltinRules } from "../../src/sentinel/index.js";
import { actionsLog } from "../support/github-api.js";

const tool = (file: string) => readFileSync(path.resolve(import.meta.dirname, "../fixtures/tools", file), "utf8");
const COMMAND = "terraform fmt -check -recursive";

describe("a second look with the failing command", () => {
  it("recognises output that means something only for its command: terraform fmt -check's bare file names", async () => {
    const rules = await loadBuiltinRules();
    const log = actionsLog(COMMAND, tool("terraform/fmt-check.log"), 3);
    const first = classifyText(log, rules);
    expect(first.category).toBe("unknown");
    const d = await withFailingCommand(first, {
      failingCommand: () => COMMAND,
      classifyAgain: (command) => classifyText(log, rules, { command }),
    });
    expect([d.category, d.tool]).toEqual(["format", "terraform"]);
  });

  it("is not taken for a failure the first reading recognised", async () => {
    const rules = await loadBuiltinRules();
    const first = classifyText(actionsLog("npx jest", tool("jest/failing.log")), rules);
    let asked = false;
    const d = await withFailingCommand(first, {
      failingCommand: () => ((asked = true), "npx jest"),
      classifyAgain: () => first,
    });
    expect([d, asked]).toEqual([first, false]);
  });

  it("keeps the first diagnosis when the second reading recognises nothing more", async () => {
    const rules = await loadBuiltinRules();
    const log = actionsLog("./deploy.sh", "something went wrong\n");
    const first = classifyText(log, rules);
    const d = await withFailingCommand(first, {
      failingCommand: () => "./deploy.sh",
      classifyAgain: (command) => classifyText(log, rules, { command }),
    });
    expect(d).toBe(first);
  });

  it("keeps the first diagnosis when the log cannot be read again", async () => {
    const rules = await loadBuiltinRules();
    const first = classifyText(actionsLog(COMMAND, tool("terraform/fmt-check.log"), 3), rules);
    const d = await withFailingCommand(first, {
      failingCommand: () => Promise.reject(new Error("trace expired")),
      classifyAgain: () => first,
    });
    expect(d).toBe(first);
  });
});
