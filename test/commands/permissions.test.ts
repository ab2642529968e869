import { describe, expect, it } from "vitest";
import {
  COMMAND_HELP,
  COMMAND_NAMES,
  COMMAND_PERMISSION,
  TIER_CHANGE_PERMISSION,
  gitlabAccessToPermission,
  permissionAtLeast,
  renderHelp,
} from "../../src/commands/index.js";

describe("command permissions", () => {
  it("orders permissions none < read < triage < write < maintain < admin", () => {
    expect(permissionAtLeast("write", "write")).toBe(true);
    expect(permissionAtLeast("maintain", "write")).toBe(true);
    expect(permissionAtLeast("admin", "maintain")).toBe(true);
    expect(permissionAtLeast("triage", "write")).toBe(false);
    expect(permissionAtLeast("read", "triage")).toBe(false);
    expect(permissionAtLeast("none", "read")).toBe(false);
  });

  it("lets readers ask for help, status and explanations, and needs write for anything that acts", () => {
    expect(COMMAND_PERMISSION).toEqual({
      help: "read",
      status: "read",
      explain: "read",
      fix: "write",
      retry: "write",
      approve: "write",
      deny: "write",
      pause: "write",
      resume: "write",
      ignore: "write",
      tier: "read",
    });
    expect(TIER_CHANGE_PERMISSION).toBe("maintain");
  });

  it("maps GitLab access levels onto the same scale", () => {
    expect([0, 5, 10, 15, 20, 30, 40, 50, 60].map(gitlabAccessToPermission)).toEqual([
      "none",
      "none",
      "read",
      "read",
      "triage",
      "write",
      "maintain",
      "admin",
      "admin",
    ]);
  });
});

describe("renderHelp", () => {
  it("lists every command with its usage and who may run it, as a markdown table", () => {
    const help = renderHelp();
    expect(help).toContain("| command | what it does | who may run it |");
    for (const name of COMMAND_NAMES) expect(help).toContain(`\`${COMMAND_HELP[name].usage}\``);
    expect(help).toContain("| `/sentinel ignore <fingerprint>` |");
    expect(help).toMatch(/\/sentinel fix \[fingerprint\]` \| .* \| write access and above \|/);
    expect(help).toMatch(/\/sentinel tier .*maintainers and admins \(to change\)/);
  });

  it("gives every command a usage starting with its name", () => {
    for (const name of COMMAND_NAMES) expect(COMMAND_HELP[name].usage.startsWith(`/sentinel ${name}`)).toBe(true);
  });
});
