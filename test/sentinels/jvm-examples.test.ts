import { describe, expect, it } from "vitest";
import { classifyText, loadBuiltinRules, type DiagnosisCategory } from "../../src/sentinel/index.js";

/**
 * One line per JVM rule that the fixture logs under test/fixtures/tools/ do not exercise (the
 * texts are the tools' own messages), and lines of passing JVM builds that must not read as
 * failures.
 */

interface Example {
  readonly line: string;
  readonly rule: string;
  /** The diagnosis's category; a line that is only a warning leaves the run `passed`. */
  readonly category: DiagnosisCategory;
  readonly severity: "error" | "warning";
}

const EXAMPLES: readonly Example[] = [
  {
    line: 'javadoc: error - File not found: "src/com/example/Missing.java"',
    rule: "javac/javadoc-error",
    category: "build",
    severity: "error",
  },
  {
    line: "[FATAL] Non-resolvable parent POM for com.example:app:1.0: Could not find artifact com.example:parent:pom:2.0 in central (https://registry.example.invalid/maven2) and 'parent.relativePath' points at wrong local POM @ line 5, column 11",
    rule: "maven/parent-pom-unresolved",
    category: "dependency",
    severity: "error",
  },
  {
    line: "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-enforcer-plugin:3.0.0:enforce (enforce-versions) on project app: Some Enforcer rules have failed. Look above for specific messages explaining why the rule failed. -> [Help 1]",
    rule: "maven/goal-failed",
    category: "build",
    severity: "error",
  },
  {
    line: "[ERROR] com.example.CalcTest.addsNumbers -- Time elapsed: 0.012 s <<< FAILURE!",
    rule: "maven/test-failed",
    category: "test",
    severity: "error",
  },
  {
    line: "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.5:test (default-test) on project app: There was a timeout or other error in the fork -> [Help 1]",
    rule: "maven/goal-failed",
    category: "build",
    severity: "error",
  },
  {
    line: "CalcTest > addsNumbers() FAILED",
    rule: "gradle/test-failed",
    category: "test",
    severity: "error",
  },
  {
    line: "A problem occurred evaluating root project 'app'.",
    rule: "gradle/build-script-error",
    category: "build",
    severity: "error",
  },
  {
    line: "/repo/build.xml:12: Problem: failed to create task or type foo",
    rule: "ant/build-file-error",
    category: "build",
    severity: "error",
  },
  {
    line: "    [junit] Test com.example.CalcTest FAILED",
    rule: "ant/junit-test-failed",
    category: "test",
    severity: "error",
  },
  {
    line: "e: file:///home/runner/work/app/app/src/main/kotlin/Main.kt:12:5 Unresolved reference 'pirce'.",
    rule: "kotlin/gradle-error",
    category: "build",
    severity: "error",
  },
  {
    line: "w: file:///home/runner/work/app/app/src/main/kotlin/Main.kt:3:9 Variable 'x' is never used",
    rule: "kotlin/gradle-warning",
    category: "passed",
    severity: "warning",
  },
  {
    line: "w: file:///D:/a/app/app/src/main/kotlin/Main.kt:3:9 Variable 'x' is never used",
    rule: "kotlin/gradle-warning-windows",
    category: "passed",
    severity: "warning",
  },
  {
    line: "w: /home/runner/work/app/app/src/main/kotlin/Main.kt: (3, 9): Variable 'x' is never used",
    rule: "kotlin/gradle-warning-legacy",
    category: "passed",
    severity: "warning",
  },
  {
    line: "[error] -- [E008] Not Found Error: /repo/src/main/scala/Main.scala:18:44 ",
    rule: "sbt/scala3-error",
    category: "build",
    severity: "error",
  },
  {
    line: "[error] (Test / test) sbt.TestsFailedException: Tests unsuccessful",
    rule: "sbt/tests-failed",
    category: "test",
    severity: "error",
  },
];

/** Lines a passing JVM build prints: none may make the diagnosis say that the run failed. */
const NOT_FAILURES: readonly string[] = [
  "[INFO] BUILD SUCCESS",
  "[INFO] Tests run: 1, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.033 s -- in com.example.CalcTest",
  "[INFO] Tests run: 3, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.12 s - in com.example.CalcTest",
  "[INFO] Nothing to compile - all classes are up to date",
  "BUILD SUCCESSFUL in 5s",
  "> Task :compileJava UP-TO-DATE",
  "com.example.CalcTest > addsNumbers PASSED",
  "[success] Total time: 3 s, completed Jul 2, 2024, 10:40:04 AM",
  "Audit done.",
  "    [javac] Compiling 1 source file to /repo/build/classes",
];

describe("the JVM sentinels", () => {
  for (const ex of EXAMPLES) {
    it(`read ${JSON.stringify(ex.line.length > 90 ? ex.line.slice(0, 87) + "…" : ex.line)} with ${ex.rule}`, async () => {
      const d = classifyText(`${ex.line}\n`, await loadBuiltinRules());
      expect(d.findings[0]?.ruleId, d.summary).toBe(ex.rule);
      expect(d.findings[0]?.severity).toBe(ex.severity);
      expect(d.category).toBe(ex.category);
    });
  }

  for (const line of NOT_FAILURES) {
    it(`do not call ${JSON.stringify(line)} a failure`, async () => {
      const d = classifyText(`${line}\n`, await loadBuiltinRules());
      expect(d.findings.filter((f) => f.classification === "Error" || f.classification === "Security")).toEqual([]);
      expect(d.status, d.summary).not.toBe("failed");
    });
  }

  it("do not let a failed step with only Kotlin warnings and -Werror read as passed", async () => {
    const log = [
      "error: warnings found and -Werror specified",
      "src/Main.kt:2:9: warning: variable 'unused' is never used",
    ].join("\n");
    const d = classifyText(`${log}\n`, await loadBuiltinRules());
    expect(d.status).toBe("failed");
    expect(d.firstErrorLine?.lineNumber).toBe(1);
  });
});
