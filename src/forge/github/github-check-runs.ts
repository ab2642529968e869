import type { Annotation, CommitReport } from "../forge-client.js";
import type { GithubRepoApi } from "./github-repo-api.js";

/** The check-runs API takes at most 50 annotations per request. */
export const ANNOTATIONS_PER_REQUEST = 50;

/** Publishes a report as a check run: updates `knownId` when it still exists, else creates one. */
export async function publishCheckRun(
  { octokit, owner, name }: GithubRepoApi,
  report: CommitReport,
  knownId: string | null,
): Promise<{ id: string; annotationBatches: number }> {
  const batches = chunk(report.annotations.map(toGithubAnnotation), ANNOTATIONS_PER_REQUEST);
  const output = (annotations: ReturnType<typeof toGithubAnnotation>[]) => ({
    title: report.title,
    summary: report.summary,
    ...(report.text ? { text: report.text } : {}),
    annotations,
  });
  const fields = {
    name: report.name,
    status: "completed" as const,
    conclusion: report.conclusion,
    ...(report.detailsUrl ? { details_url: report.detailsUrl } : {}),
  };
  let id: number | null = knownId ? Number(knownId) : null;
  if (id !== null) {
    try {
      await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
        owner,
        repo: name,
        check_run_id: id,
        ...fields,
        output: output(batches[0] ?? []),
      });
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
      id = null;
    }
  }
  if (id === null) {
    const { data } = await octokit.request("POST /repos/{owner}/{repo}/check-runs", {
      owner,
      repo: name,
      head_sha: report.sha,
      ...fields,
      output: output(batches[0] ?? []),
    });
    id = (data as { id: number }).id;
  }
  // Each update appends its annotations, so later batches go out as further updates.
  for (const batch of batches.slice(1)) {
    await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner,
      repo: name,
      check_run_id: id,
      output: output(batch),
    });
  }
  return { id: String(id), annotationBatches: Math.max(1, batches.length) };
}

/** Another app's check run as log text: its title, summary, text and annotations. */
export async function checkRunOutputText(
  { octokit, owner, name }: GithubRepoApi,
  checkId: string,
  output: unknown,
): Promise<string> {
  const o = (output ?? {}) as { title?: string | null; summary?: string | null; text?: string | null };
  const annotations = await octokit.paginate<{
    path: string;
    start_line: number;
    start_column?: number | null;
    annotation_level: string;
    message: string;
    title?: string | null;
  }>("GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations", {
    owner,
    repo: name,
    check_run_id: Number(checkId),
    per_page: 100,
  });
  // Annotations become the `::error file=…` lines the engine reads as the runner's own annotations.
  const lines = annotations.map((a) => {
    const level = a.annotation_level === "failure" ? "error" : a.annotation_level === "warning" ? "warning" : "notice";
    const col = a.start_column ? `,col=${a.start_column}` : "";
    const message = (a.title ? `${a.title}: ` : "") + a.message.replace(/\r?\n/g, " ");
    return `::${level} file=${a.path},line=${a.start_line}${col}::${message}`;
  });
  const parts = [o.title, o.summary, o.text, ...lines];
  return parts.filter((x): x is string => typeof x === "string" && x.length > 0).join("\n") + "\n";
}

function toGithubAnnotation(a: Annotation) {
  return {
    path: a.path,
    start_line: a.startLine,
    end_line: a.endLine,
    annotation_level: a.level,
    message: a.message.slice(0, 64 * 1024),
    ...(a.title ? { title: a.title.slice(0, 255) } : {}),
  };
}

function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
