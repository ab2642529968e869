import { z } from "zod";

// One permission scale for the whole app: the forge's (GitHub's names; GitLab roles map onto them).
export type { Permission } from "../forge/index.js";
export { permissionAtLeast as atLeast } from "../forge/index.js";

/** The least permission an approver needs; "none" is not offered, it would let anyone approve. */
export const approverPermissionSchema = z.enum(["read", "triage", "write", "maintain", "admin"], {
  error: "permission is one of read, triage, write, maintain, admin",
});
