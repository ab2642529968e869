export { gitEnv, sentinelGit, withoutCredentials } from "./git-env.js";
export { MirrorCache, type Mirror } from "./mirror-cache.js";
export { createWorktree, removeWorktree, gitControlFingerprint, fileInWorktree, type Worktree } from "./worktree.js";
export {
  commitAndPush,
  diffPatch,
  diffStat,
  remoteBranchHead,
  isSafeBranchName,
  isSentinelBranch,
  type CommitAndPushOptions,
  type DiffStat,
} from "./commit-and-push.js";
export { worktreeState, changedPaths, type WorktreeState } from "./worktree-changes.js";
export { snapshotWorktree, restoreWorktree, MAX_SNAPSHOT_BYTES, type WorktreeSnapshot } from "./worktree-snapshot.js";
export { checkRemote, forgeGitUrl, isLocalRemote, RemoteRefusedError, type GitRemote } from "./git-remote.js";
export {
  detectPackageManager,
  dependencyBins,
  type PackageManager,
  type PackageManagerName,
} from "./package-manager.js";
export { installCommand, describeInstall, type InstallCommand, type InstallMode } from "./install-command.js";
export { excludeInstalledFiles } from "./exclude-installed.js";
