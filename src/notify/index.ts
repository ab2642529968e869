export {
  renderCommitReport,
  renderConfigErrors,
  headline,
  escapeMarkdown,
  safeUrl,
  code,
  fence,
  REPORT_NAME,
  MAX_ANNOTATIONS,
  type DiagnosedFailure,
} from "./render-report.js";
export { renderStickyComment, COMMAND_FOOTER } from "./render-sticky-comment.js";
export { notify, type ChatNotifier, type ChatDeps } from "./notify-chat.js";
export { refreshPullRequest, refreshStickyComments, withHistory, type StickyDeps } from "./sticky-comments.js";
