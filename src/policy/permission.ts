import { z } from "zod";

/** Forge repository permission, GitHub's names; GitLab roles map onto them (developer = write, maintainer = maintain, owner = admin). */
export type Permission = "none" | "read" | "triage" | "write" | "maintain" | "admin";

const ORDER: readonly Permission[] = ["none", "read", "triage", "write", "maintain", "admin"];

export function atLeast(p: Permission, min: Permission): boolean {
  return ORDER.indexOf(p) >= ORDER.indexOf(min);
}

/** The least permission an approver needs; "none" is not offered, it would let anyone approve. */
export const approverPermissionSchema = z.enum(["read", "triage", "write", "maintain", "admin"], {
  error: "permission is one of read, triage, write, maintain, admin",
});
