import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { fixerTool } from "../support/fixer-tools.js";
import { checkoutFix, projectRemote, runRecipe } from "../support/recipe-run.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const hasClangFormat = fixerTool("clang-format", ["--version"], "apt-get install clang-format");

const MAIN = '#include "util.h"\n#include <stdio.h>\nint main(void){\n  printf("%d\\n",add(1,2));\n  return 0;\n}\n';
// A small C library whose CI checks the files it names with the repository's .clang-format.
const PROJECT = {
  ".clang-format": "BasedOnStyle: LLVM\nIndentWidth: 4\nColumnLimit: 100\n",
  "src/main.c": MAIN,
  "src/util.c": '#include "util.h"\n\nint add(int a, int b) { return a + b; }\n',
  "include/util.h": "#ifndef UTIL_H\n#define UTIL_H\n\nint add(int a,int b);\n\n#endif\n",
  // Badly formatted too, but not one of the files the check names.
  "tools/gen.c": MAIN,
};
const CHECK = ["clang-format", "--dry-run", "-Werror", "src/main.c", "src/util.c", "include/util.h"];

describe.skipIf(!hasClangFormat)(
  "the clang-format recipe, on a real project whose `clang-format --dry-run -Werror` fails",
  () => {
    it("is chosen for clang-format's report, formats only the files it named with .clang-format, and the check passes", async () => {
      const run = await runRecipe(projectRemote(PROJECT, dirs), CHECK, dirs);
      expect(run.diagnosis).toMatchObject({ category: "format", tool: "clang-format" });
      expect(run.outcome).toMatchObject({ status: "proposed", agentId: "clang-format" });
      expect(run.steps).toEqual([["format", 0]]);
      expect(run.verify).toMatchObject({ command: CHECK, exitCode: 0, status: "passed" });
      expect(run.changed).toEqual(["include/util.h", "src/main.c"]);
      // IndentWidth: 4 from the repository's .clang-format, not LLVM's 2.
      expect(run.show("src/main.c")).toBe(
        '#include "util.h"\n#include <stdio.h>\nint main(void) {\n    printf("%d\\n", add(1, 2));\n    return 0;\n}\n',
      );
      execFileSync("clang-format", CHECK.slice(1), { cwd: checkoutFix(run, dirs) });
    }, 120_000);
  },
);
