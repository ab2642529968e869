import type { Permission } from "./forge-client.js";

/** Permissions from least to most: each includes what the ones before it allow. */
export const PERMISSIONS: readonly Permission[] = ["none", "read", "triage", "write", "maintain", "admin"];

export function permissionAtLeast(p: Permission, min: Permission): boolean {
  return PERMISSIONS.indexOf(p) >= PERMISSIONS.indexOf(min);
}

/**
 * GitLab's access levels (Gitlab::Access) on Sentinel's scale. Levels GitLab adds between the
 * documented ones (Planner, 15) fall to the one below, so a new role never gains more than the
 * role under it; Admin (60) is "admin".
 */
export function gitlabAccessToPermission(level: number): Permission {
  if (!Number.isFinite(level)) return "none";
  if (level >= 50) return "admin";
  if (level >= 40) return "maintain";
  if (level >= 30) return "write";
  if (level >= 20) return "triage";
  // Minimal access (5) only lets a member see the group exists.
  if (level >= 10) return "read";
  return "none";
}

const GITHUB_ROLES: Readonly<Record<string, Permission>> = {
  admin: "admin",
  maintain: "maintain",
  write: "write",
  triage: "triage",
  read: "read",
  none: "none",
};

/**
 * GitHub's answer to "get repository permissions for a user". `permission` is the legacy base role
 * (maintain reads as write, triage as read), so `role_name` comes first; a custom role's name says
 * nothing about its base role, which the `permissions` flags then tell.
 */
export function githubPermissionOf(data: {
  permission?: string | null;
  role_name?: string | null;
  user?: {
    permissions?: { admin?: boolean; maintain?: boolean; push?: boolean; triage?: boolean; pull?: boolean } | null;
  } | null;
}): Permission {
  const role = GITHUB_ROLES[(data.role_name ?? "").toLowerCase()];
  if (role) return role;
  const flags = data.user?.permissions;
  if (flags) {
    if (flags.admin) return "admin";
    if (flags.maintain) return "maintain";
    if (flags.push) return "write";
    if (flags.triage) return "triage";
    if (flags.pull) return "read";
  }
  return GITHUB_ROLES[(data.permission ?? "").toLowerCase()] ?? "none";
}
