import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, parseCommands } from "../../src/commands/index.js";

const names = (body: string) => parseCommands(body).map((c) => [c.name, ...c.args].join(" "));

describe("parseCommands", () => {
  it("reads a command at the start of a line, with its arguments and line number", () => {
    expect(parseCommands("Thanks!\n/sentinel ignore sfp1-0123abcd")).toEqual([
      { name: "ignore", args: ["sfp1-0123abcd"], raw: "/sentinel ignore sfp1-0123abcd", line: 2 },
    ]);
  });

  it("is case-insensitive about /sentinel and the command name, and keeps arguments as typed", () => {
    expect(names("/Sentinel FIX Sfp1-AbC")).toEqual(["fix Sfp1-AbC"]);
  });

  it("allows up to three spaces before the command", () => {
    expect(names("   /sentinel status")).toEqual(["status"]);
  });

  it("reads /sentinel alone as help", () => {
    expect(parseCommands("/sentinel")).toEqual([{ name: "help", args: [], raw: "/sentinel", line: 1 }]);
    expect(names("/sentinel   ")).toEqual(["help"]);
  });

  it("reads an unknown command as unknown, with the name as typed first, so the caller can answer with help", () => {
    expect(parseCommands("/sentinel frobnicate now")).toEqual([
      { name: "unknown", args: ["frobnicate", "now"], raw: "/sentinel frobnicate now", line: 1 },
    ]);
  });

  it("does not take /sentinels or /sentinel: as the command", () => {
    expect(names("/sentinels fix\n/sentinel:fix")).toEqual([]);
  });

  it("ignores /sentinel in the middle of a sentence", () => {
    expect(names("You can type /sentinel fix to get a fix.\nOr `/sentinel retry`.")).toEqual([]);
  });

  it("ignores quoted lines, however deeply nested, as a GitHub quote reply makes them", () => {
    const body = "> /sentinel fix\n>> /sentinel retry\n> > /sentinel approve\n  > /sentinel deny\n\nNo, let's wait.";
    expect(names(body)).toEqual([]);
  });

  it("ignores lines in fenced code blocks, with backticks or tildes, until the fence closes", () => {
    const body = [
      "```",
      "/sentinel fix",
      "```",
      "~~~~text",
      "/sentinel retry",
      "~~~",
      "/sentinel deny",
      "~~~~",
      "/sentinel status",
    ].join("\n");
    expect(names(body)).toEqual(["status"]);
  });

  it("takes a fence left open to run to the end of the comment", () => {
    expect(names("```sh\n/sentinel fix")).toEqual([]);
  });

  it("does not close a backtick fence with a shorter or a tilde fence", () => {
    expect(names("````\n```\n~~~~\n/sentinel fix\n````\n/sentinel status")).toEqual(["status"]);
  });

  it("ignores indented code blocks (four spaces or a tab)", () => {
    expect(names("Run:\n\n    /sentinel fix\n\t/sentinel retry")).toEqual([]);
  });

  it("ignores HTML comments, on one line or across lines, and a comment left open", () => {
    expect(
      names("<!-- /sentinel fix -->\n<!--\n/sentinel retry\n-->\n/sentinel status\n<!-- hidden\n/sentinel deny"),
    ).toEqual(["status"]);
  });

  it("reads a command that follows a closed HTML comment on the same line, as it renders", () => {
    expect(names("<!-- note --> /sentinel status")).toEqual(["status"]);
  });

  it("reads several commands, at most five, and drops the rest", () => {
    const body = [
      "/sentinel status",
      "/sentinel explain",
      "/sentinel retry",
      "/sentinel pause",
      "/sentinel resume",
      "/sentinel fix",
      "/sentinel deny",
    ].join("\n");
    expect(names(body)).toEqual(["status", "explain", "retry", "pause", "resume"]);
  });

  it("keeps at most eight arguments of at most 200 characters each", () => {
    const long = "x".repeat(300);
    const [cmd] = parseCommands(`/sentinel tier a b c d e f g h i j ${long}`);
    expect(cmd?.args).toEqual(["a", "b", "c", "d", "e", "f", "g", "h"]);
    expect(parseCommands(`/sentinel ignore ${long}`)[0]?.args[0]).toHaveLength(200);
  });

  it("reads CRLF and lone CR line endings", () => {
    const crlf = "Please:\r\n/sentinel retry test\r\n```\r\n/sentinel fix\r\n```\r\n/sentinel status\r\n";
    expect(parseCommands(crlf).map((c) => [c.name, c.args, c.line])).toEqual([
      ["retry", ["test"], 2],
      ["status", [], 6],
    ]);
    expect(names("a\r/sentinel help")).toEqual(["help"]);
  });

  it("reads a huge body only up to 64 KiB, dropping the line the limit cut", () => {
    const filler = "log line that is quite long\n".repeat(Math.ceil(MAX_BODY_BYTES / 28));
    expect(names(`/sentinel status\n${filler}/sentinel fix\n`)).toEqual(["status"]);
    // A command cut at the limit must not run with a shortened argument.
    const pad = "y".repeat(MAX_BODY_BYTES - 30);
    expect(names(`${pad}\n/sentinel ignore sfp1-0123456789abcdef0123456789`)).toEqual([]);
  });

  it("counts the 64 KiB in UTF-8 bytes, not characters", () => {
    const wide = "é".repeat(MAX_BODY_BYTES / 2); // two bytes each: the limit is reached right here
    expect(names(`/sentinel status\n${wide}\n/sentinel fix`)).toEqual(["status"]);
    expect(names(`/sentinel status\n${"é".repeat(1000)}\n/sentinel fix`)).toEqual(["status", "fix"]);
  });

  it("reads nothing from an empty comment", () => {
    expect(parseCommands("")).toEqual([]);
  });
});
