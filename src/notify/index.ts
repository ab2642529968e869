export { renderCommitReport, renderConfigErrors, headline, REPORT_NAME, MAX_ANNOTATIONS, type DiagnosedFailure } from "./render-report.js";
export { renderStickyComment } from "./render-sticky-comment.js";
