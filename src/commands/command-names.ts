import type { Permission } from "../forge/index.js";
import { COMMAND_NAMES, type CommandName } from "../core/index.js";

export { COMMAND_NAMES, type CommandName };

/**
 * The least permission on the repository that may run each command. Reading commands are open to
 * anyone who can read the repository; anything that makes Sentinel act needs write.
 */
export const COMMAND_PERMISSION: Readonly<Record<CommandName, Permission>> = {
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
  // Showing the tiers is reading; changing one (`/sentinel tier <agent> <tier>`) needs TIER_CHANGE_PERMISSION, checked by the caller.
  tier: "read",
};

/** Changing an agent's tier changes how much Sentinel may do unasked: maintainers only. */
export const TIER_CHANGE_PERMISSION: Permission = "maintain";

export const COMMAND_HELP: Readonly<Record<CommandName, { readonly usage: string; readonly summary: string }>> = {
  help: { usage: "/sentinel help", summary: "Lists these commands." },
  status: {
    usage: "/sentinel status",
    summary:
      "Shows the diagnosed failures, fixes and approvals on this pull request, and whether Sentinel is paused here.",
  },
  explain: {
    usage: "/sentinel explain [fingerprint]",
    summary: "Explains a diagnosed failure: the evidence, and where it was seen before.",
  },
  fix: {
    usage: "/sentinel fix [fingerprint]",
    summary: "Runs the governed fix pipeline for a diagnosed failure on this pull request.",
  },
  retry: { usage: "/sentinel retry [job]", summary: "Re-runs a failed job, e.g. one Sentinel found flaky." },
  approve: { usage: "/sentinel approve [run]", summary: "Approves a fix waiting for a person's approval." },
  deny: { usage: "/sentinel deny [run]", summary: "Rejects a fix waiting for a person's approval." },
  pause: {
    usage: "/sentinel pause",
    summary: "Stops Sentinel fixing and re-running jobs on this pull request (it still diagnoses).",
  },
  resume: { usage: "/sentinel resume", summary: "Undoes `/sentinel pause`." },
  ignore: {
    usage: "/sentinel ignore <fingerprint>",
    summary: "Stops Sentinel reporting or fixing failures with this fingerprint in this repository.",
  },
  tier: {
    usage: "/sentinel tier [agent] [tier]",
    summary: "Shows the agents' autonomy tiers in this repository; maintainers can set one.",
  },
};

const WHO: Readonly<Record<Permission, string>> = {
  none: "anyone",
  read: "anyone who can read the repository",
  triage: "triage and above",
  write: "write access and above",
  maintain: "maintainers and admins",
  admin: "admins",
};

/** The answer to `/sentinel help` (and to a command Sentinel does not know): a markdown table. */
export function renderHelp(): string {
  const rows = COMMAND_NAMES.map((name) => {
    const { usage, summary } = COMMAND_HELP[name];
    const who =
      name === "tier"
        ? `${WHO[COMMAND_PERMISSION.tier]} (to show); ${WHO[TIER_CHANGE_PERMISSION]} (to change)`
        : WHO[COMMAND_PERMISSION[name]];
    return `| \`${usage}\` | ${summary} | ${who} |`;
  });
  return [
    "**Sentinel commands** (one per line, at the start of the line, in a new comment)",
    "",
    "| command | what it does | who may run it |",
    "| --- | --- | --- |",
    ...rows,
  ].join("\n");
}
