import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { JobQueue } from "../queue/index.js";
import { modelMetrics } from "./model-metrics.js";

/**
 * Sentinel's Prometheus instruments, one registry per process (not prom-client's global one, so
 * two apps in one process, as in tests, never count into each other). Names are part of the
 * operations contract: dashboards, alerts (deploy/helm) and worker autoscaling read them.
 */
export function createMetrics(o: { queue?: JobQueue; defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (o.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "sentinel_" });
  const queue = o.queue;
  const m = {
    registry,
    webhooksReceived: new Counter({
      name: "sentinel_webhooks_received_total",
      help: "Verified webhook deliveries recorded, by forge and event (duplicates included).",
      labelNames: ["forge", "event"] as const,
      registers: [registry],
    }),
    webhooksDuplicate: new Counter({
      name: "sentinel_webhooks_duplicate_total",
      help: "Deliveries already recorded (redeliveries); acknowledged, not processed again.",
      labelNames: ["forge"] as const,
      registers: [registry],
    }),
    webhooksRejected: new Counter({
      name: "sentinel_webhooks_rejected_total",
      help: "Webhook requests refused, by forge and reason (signature, token, too-large, malformed, not-configured).",
      labelNames: ["forge", "reason"] as const,
      registers: [registry],
    }),
    webhookAckSeconds: new Histogram({
      name: "sentinel_webhook_ack_seconds",
      help: "Time from a webhook request's arrival to its answer.",
      labelNames: ["forge"] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    queueJobs: new Gauge({
      name: "sentinel_queue_jobs",
      help: "Jobs in the queue by state (waiting = ready, not yet taken): what worker autoscaling follows.",
      labelNames: ["state"] as const,
      registers: [registry],
      async collect() {
        if (!queue) return;
        try {
          const c = await queue.counts();
          for (const [state, n] of Object.entries(c)) this.set({ state }, n);
        } catch {
          // The queue being down is /readyz's to report; a scrape still answers.
        }
      },
    }),
    queueWaitSeconds: new Histogram({
      name: "sentinel_queue_wait_seconds",
      help: "Time a job waited in the queue before a worker took it (first attempts).",
      labelNames: ["job"] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [registry],
    }),
    jobSeconds: new Histogram({
      name: "sentinel_job_seconds",
      help: "Time a worker spent on a job attempt.",
      labelNames: ["job", "outcome"] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
      registers: [registry],
    }),
    jobsFailed: new Counter({
      name: "sentinel_jobs_failed_total",
      help: "Job attempts that threw (each is retried with backoff until its attempts run out).",
      labelNames: ["job"] as const,
      registers: [registry],
    }),
    diagnoses: new Counter({
      name: "sentinel_diagnoses_total",
      help: "Failures diagnosed, by forge and failure category.",
      labelNames: ["forge", "category"] as const,
      registers: [registry],
    }),
    runs: new Counter({
      name: "sentinel_runs_total",
      help: "Fix pipeline runs finished, by outcome (proposed, pushed, shadow, policy, verify-failed, blast-radius, escalated, error, …).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    runPhaseSeconds: new Histogram({
      name: "sentinel_run_phase_seconds",
      help: "Time fix runs spent in each phase.",
      labelNames: ["phase"] as const,
      buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
      registers: [registry],
    }),
    pullRequestsOpened: new Counter({
      name: "sentinel_pull_requests_opened_total",
      help: "Fix pull/merge requests opened (not counting updates of one already open).",
      labelNames: ["forge"] as const,
      registers: [registry],
    }),
    pullRequestsMerged: new Counter({
      name: "sentinel_pull_requests_merged_total",
      help: "Fix pull/merge requests merged, by forge.",
      labelNames: ["forge"] as const,
      registers: [registry],
    }),
    ...modelMetrics(registry),
    revocations: new Counter({
      name: "sentinel_revocations_total",
      help: "Agents revoked in a repository (error budget breached).",
      labelNames: ["forge"] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
