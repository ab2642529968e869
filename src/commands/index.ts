export {
  COMMAND_NAMES,
  COMMAND_PERMISSION,
  COMMAND_HELP,
  TIER_CHANGE_PERMISSION,
  renderHelp,
  type CommandName,
} from "./command-names.js";
export {
  parseCommands,
  MAX_BODY_BYTES,
  MAX_COMMANDS,
  MAX_ARGS,
  MAX_ARG_LENGTH,
  type ParsedCommand,
} from "../core/index.js";
export type { CommentEvent, CommentReading } from "../core/index.js";
// Permissions are the forge's notion (GitHub roles, GitLab access levels); commands only consume them.
export { permissionAtLeast, gitlabAccessToPermission, PERMISSIONS } from "../forge/index.js";
export { STICKY_MARKER, type Permission } from "../forge/index.js";
export { executeCommands, type CommandDeps } from "./execute-commands.js";
export { resolveApproval, expireApprovals, type ApprovalDeps } from "./approvals.js";
