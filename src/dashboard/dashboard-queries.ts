import type { AgentTier, Database, GovernanceStore } from "../store/index.js";

/**
 * The dashboard's reads, all SELECTs, the same SQL on PostgreSQL and PGlite. Rows are turned into
 * plain typed objects here so that pages never see driver differences (PostgreSQL returns counts
 * and bigserials as strings, PGlite as numbers). Of the ledger only seq, run_id, kind, data and at
 * are read: other columns may be added to it.
 */

export interface FailureRow {
  readonly failureKey: string;
  readonly forge: string;
  readonly repo: string;
  readonly sha: string;
  readonly ref: string | null;
  readonly jobName: string;
  readonly jobUrl: string | null;
  readonly status: string;
  readonly error: string | null;
  readonly createdAt: Date;
  readonly pullRequests: number[];
  readonly diagnosis: null | {
    readonly category: string;
    readonly tool: string | null;
    readonly confidence: number;
    readonly summary: string;
    readonly flaky: boolean;
    readonly fingerprint: string;
    /** The log excerpt around the failure: `startLine` is the first line's number. */
    readonly evidence: { readonly startLine: number; readonly lines: readonly string[] } | null;
    readonly firstErrorLine: { readonly lineNumber: number; readonly text: string } | null;
  };
  readonly decision: null | {
    readonly verdict: string;
    readonly rule: string | null;
    readonly message: string;
    readonly runId: string | null;
  };
}

export interface RunRow {
  readonly runId: string;
  readonly forge: string;
  readonly repo: string;
  readonly fingerprint: string;
  readonly failureKey: string | null;
  readonly agentId: string | null;
  readonly phase: string;
  readonly status: string;
  readonly action: string | null;
  readonly manual: boolean;
  readonly sha: string | null;
  readonly prNumber: number | null;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly heartbeatAt: Date;
  /** Why it ended (or waits), from its outcome. */
  readonly reason: string | null;
}

export interface LedgerEntry {
  readonly seq: string;
  readonly runId: string | null;
  readonly kind: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly at: Date;
}

export interface PullRequestRow {
  readonly forge: string;
  readonly repo: string;
  readonly number: number;
  readonly url: string | null;
  readonly title: string;
  readonly headBranch: string;
  readonly baseBranch: string;
  readonly state: string;
  readonly kind: string;
  readonly agentId: string | null;
  readonly runId: string | null;
  readonly fingerprint: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** An agent's tier in a repository, as the governance store keeps it. */
export type TierRow = AgentTier;

export interface ApprovalRow {
  readonly runId: string;
  readonly forge: string;
  readonly repo: string;
  readonly prNumber: number | null;
  readonly rule: string;
  readonly message: string;
  readonly requestedAt: Date;
  readonly expiresAt: Date;
}

export interface CategoryCount {
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  /** The diagnosis category, or `pending` for failures not diagnosed yet. */
  readonly category: string;
  readonly count: number;
}

export interface Totals {
  readonly failures24h: number;
  readonly diagnosed24h: number;
  readonly runsRunning: number;
  readonly runsWaiting: number;
  readonly openPullRequests: number;
}

export class DashboardQueries {
  private readonly db: Database;
  private readonly gov: GovernanceStore;

  /** Reads through the composition root's store and its governance store. */
  constructor(store: { readonly db: Database; readonly gov: GovernanceStore }) {
    this.db = store.db;
    this.gov = store.gov;
  }

  async recentFailures(options: { limit: number; repo?: string | undefined }): Promise<FailureRow[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT f.failure_key, f.forge, f.repo, f.sha, f.ref, f.job_name, f.job_url, f.status, f.error, f.created_at, f.pull_requests,
              d.failure_key AS d_key, d.category, d.tool, d.confidence, d.summary, d.flaky, d.fingerprint,
              d.diagnosis->'evidence' AS evidence, d.diagnosis->'firstErrorLine' AS first_error_line,
              fd.verdict, fd.rule, fd.message AS decision_message, fd.run_id AS decision_run_id
         FROM failures f
         LEFT JOIN diagnoses d ON d.failure_key = f.failure_key
         LEFT JOIN fix_decisions fd ON fd.failure_key = f.failure_key
        WHERE ($1::text IS NULL OR f.repo = $1)
        ORDER BY f.created_at DESC, f.failure_key
        LIMIT $2`,
      [options.repo ?? null, options.limit],
    );
    return rows.map((r) => ({
      failureKey: str(r.failure_key),
      forge: str(r.forge),
      repo: str(r.repo),
      sha: str(r.sha),
      ref: optStr(r.ref),
      jobName: str(r.job_name),
      jobUrl: optStr(r.job_url),
      status: str(r.status),
      error: optStr(r.error),
      createdAt: date(r.created_at),
      pullRequests: Array.isArray(r.pull_requests)
        ? r.pull_requests.map((p: unknown) => Number((p as { number?: unknown })?.number)).filter(Number.isFinite)
        : [],
      diagnosis:
        r.d_key === null || r.d_key === undefined
          ? null
          : {
              category: str(r.category),
              tool: optStr(r.tool),
              confidence: Number(r.confidence),
              summary: str(r.summary),
              flaky: Boolean(r.flaky),
              fingerprint: str(r.fingerprint),
              evidence: evidence(r.evidence),
              firstErrorLine: firstErrorLine(r.first_error_line),
            },
      decision:
        r.verdict === null || r.verdict === undefined
          ? null
          : {
              verdict: str(r.verdict),
              rule: optStr(r.rule),
              message: str(r.decision_message),
              runId: optStr(r.decision_run_id),
            },
    }));
  }

  /** Failures per UTC day and category since `since` (a UTC midnight). */
  async failuresByCategory(since: Date): Promise<CategoryCount[]> {
    const { rows } = await this.db.query<{ day: string; category: string; n: number | string }>(
      `SELECT to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, COALESCE(d.category, 'pending') AS category, count(*) AS n
         FROM failures f LEFT JOIN diagnoses d ON d.failure_key = f.failure_key
        WHERE f.created_at >= $1
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [since],
    );
    return rows.map((r) => ({ day: str(r.day), category: str(r.category), count: Number(r.n) }));
  }

  async totals(): Promise<Totals> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT (SELECT count(*) FROM failures WHERE created_at > now() - interval '24 hours') AS failures24h,
              (SELECT count(*) FROM diagnoses WHERE created_at > now() - interval '24 hours') AS diagnosed24h,
              (SELECT count(*) FROM runs WHERE status = 'running') AS runs_running,
              (SELECT count(*) FROM runs WHERE status = 'waiting') AS runs_waiting,
              (SELECT count(*) FROM pull_requests WHERE state = 'open') AS open_prs`,
    );
    const r = rows[0] ?? {};
    return {
      failures24h: Number(r.failures24h ?? 0),
      diagnosed24h: Number(r.diagnosed24h ?? 0),
      runsRunning: Number(r.runs_running ?? 0),
      runsWaiting: Number(r.runs_waiting ?? 0),
      openPullRequests: Number(r.open_prs ?? 0),
    };
  }

  async runs(options: { limit: number; repo?: string | undefined; status?: string | undefined }): Promise<RunRow[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `${RUN_SELECT} WHERE ($1::text IS NULL OR repo = $1) AND ($2::text IS NULL OR status = $2) ORDER BY started_at DESC, run_id LIMIT $3`,
      [options.repo ?? null, options.status ?? null, options.limit],
    );
    return rows.map(toRun);
  }

  async run(runId: string): Promise<RunRow | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(`${RUN_SELECT} WHERE run_id = $1`, [runId]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** A run's ledger, oldest first; capped, since a looping fixer can write thousands of entries. */
  async ledger(runId: string, limit = 2000): Promise<LedgerEntry[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT seq, run_id, kind, data, at FROM ledger WHERE run_id = $1 ORDER BY seq LIMIT $2",
      [runId, limit],
    );
    return rows.map(toLedger);
  }

  async pullRequestsOfRun(runId: string): Promise<PullRequestRow[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `${PR_SELECT} WHERE run_id = $1 ORDER BY created_at`,
      [runId],
    );
    return rows.map(toPullRequest);
  }

  async openPullRequests(limit: number): Promise<PullRequestRow[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `${PR_SELECT} WHERE state = 'open' ORDER BY created_at DESC, repo, number LIMIT $1`,
      [limit],
    );
    return rows.map(toPullRequest);
  }

  tiers(): Promise<TierRow[]> {
    return this.gov.listTiers();
  }

  /** The latest tier changes across repositories, newest first. */
  async tierChanges(limit: number): Promise<LedgerEntry[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT seq, run_id, kind, data, at FROM ledger WHERE kind = 'tier.changed' ORDER BY seq DESC LIMIT $1",
      [limit],
    );
    return rows.map(toLedger);
  }

  async waitingApprovals(limit: number): Promise<ApprovalRow[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      "SELECT run_id, forge, repo, pr_number, rule, message, requested_at, expires_at FROM approvals WHERE status = 'waiting' AND expires_at > now() ORDER BY requested_at LIMIT $1",
      [limit],
    );
    return rows.map((r) => ({
      runId: str(r.run_id),
      forge: str(r.forge),
      repo: str(r.repo),
      prNumber: r.pr_number === null || r.pr_number === undefined ? null : Number(r.pr_number),
      rule: str(r.rule),
      message: str(r.message),
      requestedAt: date(r.requested_at),
      expiresAt: date(r.expires_at),
    }));
  }
}

const RUN_SELECT = `SELECT run_id, forge, repo, fingerprint, failure_key, agent_id, phase, status, action, manual, sha, pr_number,
  started_at, finished_at, heartbeat_at, outcome->>'reason' AS reason FROM runs`;

const PR_SELECT =
  "SELECT forge, repo, number, url, title, head_branch, base_branch, state, kind, agent_id, run_id, fingerprint, created_at, updated_at FROM pull_requests";

function toRun(r: Record<string, unknown>): RunRow {
  return {
    runId: str(r.run_id),
    forge: str(r.forge),
    repo: str(r.repo),
    fingerprint: str(r.fingerprint),
    failureKey: optStr(r.failure_key),
    agentId: optStr(r.agent_id),
    phase: str(r.phase),
    status: str(r.status),
    action: optStr(r.action),
    manual: Boolean(r.manual),
    sha: optStr(r.sha),
    prNumber: r.pr_number === null || r.pr_number === undefined ? null : Number(r.pr_number),
    startedAt: date(r.started_at),
    finishedAt: r.finished_at === null || r.finished_at === undefined ? null : date(r.finished_at),
    heartbeatAt: date(r.heartbeat_at),
    reason: optStr(r.reason),
  };
}

function toLedger(r: Record<string, unknown>): LedgerEntry {
  const data = r.data;
  return {
    seq: String(r.seq),
    runId: optStr(r.run_id),
    kind: str(r.kind),
    data:
      data !== null && typeof data === "object" && !Array.isArray(data)
        ? (data as Record<string, unknown>)
        : { value: data },
    at: date(r.at),
  };
}

function toPullRequest(r: Record<string, unknown>): PullRequestRow {
  return {
    forge: str(r.forge),
    repo: str(r.repo),
    number: Number(r.number),
    url: optStr(r.url),
    title: str(r.title),
    headBranch: str(r.head_branch),
    baseBranch: str(r.base_branch),
    state: str(r.state),
    kind: str(r.kind),
    agentId: optStr(r.agent_id),
    runId: optStr(r.run_id),
    fingerprint: optStr(r.fingerprint),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

function evidence(value: unknown): { startLine: number; lines: string[] } | null {
  if (value === null || typeof value !== "object") return null;
  const v = value as { startLine?: unknown; lines?: unknown };
  if (!Array.isArray(v.lines)) return null;
  return { startLine: Number(v.startLine) || 0, lines: v.lines.map((l) => String(l)) };
}

function firstErrorLine(value: unknown): { lineNumber: number; text: string } | null {
  if (value === null || typeof value !== "object") return null;
  const v = value as { lineNumber?: unknown; text?: unknown };
  return typeof v.text === "string" ? { lineNumber: Number(v.lineNumber) || 0, text: v.text } : null;
}

function str(v: unknown): string {
  return v === null || v === undefined ? "" : String(v);
}

function optStr(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function date(v: unknown): Date {
  return v instanceof Date ? v : new Date(String(v));
}
