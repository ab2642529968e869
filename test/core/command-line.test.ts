import { describe, expect, it } from "vitest";
import { commandLine } from "../../src/core/command-line.js";

describe("a command shown to people", () => {
  it("is the script itself when it runs through sh -c", () => {
    expect(commandLine(["sh", "-c", 'test -z "$(gofmt -l .)"'])).toBe('test -z "$(gofmt -l .)"');
    expect(commandLine(["/bin/bash", "-c", "npm run lint"])).toBe("npm run lint");
  });

  it("quotes the arguments a shell would split or expand", () => {
    expect(commandLine(["black", "--check", "src", "--extend-exclude", "docs/*.py"])).toBe(
      "black --check src --extend-exclude 'docs/*.py'",
    );
    expect(commandLine(["echo", "it's"])).toBe("echo 'it'\\''s'");
  });

  it("leaves plain arguments alone", () => {
    expect(commandLine(["gofmt", "-w", "--", "bool.go"])).toBe("gofmt -w -- bool.go");
  });
});
