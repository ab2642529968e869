import type { Probot } from "probot";

/** CI results that mean "a job failed"; ingestion (issue #3) turns them into diagnoses. */
export const FAILURE_EVENTS = ["workflow_job.completed", "workflow_run.completed", "check_run.completed", "check_suite.completed"] as const;

/**
 * The Probot application function. For now it receives and logs failed-CI events; the ingestion
 * queue and the diagnosis surfaces hang off these handlers as they land.
 */
export default function sentinelApp(app: Probot): void {
  app.on([...FAILURE_EVENTS], async (context) => {
    const payload = context.payload as { action?: string; repository?: { full_name?: string } } & Record<string, { conclusion?: string | null } | undefined>;
    const subject = payload.workflow_job ?? payload.workflow_run ?? payload.check_run ?? payload.check_suite;
    context.log.info(
      { event: context.name, delivery: context.id, repository: payload.repository?.full_name, conclusion: subject?.conclusion ?? null },
      "CI completion received",
    );
  });
}
