// The trust-tier queries behind GovernanceStore: agents' tiers and their ledgered changes.
import { appendLedgerIn } from "../ledger/index.js";
import type { Database } from "./database.js";
import type { Forge } from "./records.js";

export interface AgentTier {
  readonly forge: Forge;
  readonly repo: string;
  readonly agentId: string;
  readonly tier: number;
  readonly cleanStreak: number;
  readonly revoked: boolean;
  readonly reason: string | null;
  readonly updatedAt: Date;
}

/** An agent's tier as setTier writes it. */
export interface TierUpdate {
  forge: Forge;
  repo: string;
  agentId: string;
  tier: number;
  cleanStreak: number;
  revoked: boolean;
  reason: string | null;
}

export async function getTier(db: Database, forge: Forge, repo: string, agentId: string): Promise<AgentTier | null> {
  const { rows } = await db.query<Record<string, unknown>>(
    "SELECT * FROM agent_tiers WHERE forge = $1 AND repo = $2 AND agent_id = $3",
    [forge, repo, agentId],
  );
  return rows[0] ? toTier(rows[0]) : null;
}

export async function listTiers(db: Database, filter: { forge?: Forge; repo?: string } = {}): Promise<AgentTier[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    "SELECT * FROM agent_tiers WHERE ($1::text IS NULL OR forge = $1) AND ($2::text IS NULL OR repo = $2) ORDER BY forge, repo, agent_id",
    [filter.forge ?? null, filter.repo ?? null],
  );
  return rows.map(toTier);
}

/**
 * Writes an agent's tier and, when the tier or revocation changes, a `tier.changed` ledger entry
 * with the evidence, in one transaction.
 */
export async function setTier(db: Database, t: TierUpdate, evidence: Record<string, unknown> | null): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ tier: number; revoked: boolean }>(
      "SELECT tier, revoked FROM agent_tiers WHERE forge = $1 AND repo = $2 AND agent_id = $3 FOR UPDATE",
      [t.forge, t.repo, t.agentId],
    );
    const before = rows[0];
    await tx.query(
      `INSERT INTO agent_tiers (forge, repo, agent_id, tier, clean_streak, revoked, reason, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (forge, repo, agent_id) DO UPDATE SET tier = EXCLUDED.tier, clean_streak = EXCLUDED.clean_streak, revoked = EXCLUDED.revoked,
         reason = EXCLUDED.reason, updated_at = now()`,
      [t.forge, t.repo, t.agentId, t.tier, t.cleanStreak, t.revoked, t.reason],
    );
    const changed = !before || Number(before.tier) !== t.tier || Boolean(before.revoked) !== t.revoked;
    if (changed && evidence) {
      await appendLedgerIn(tx, [
        {
          runId: typeof evidence.runId === "string" ? evidence.runId : null,
          kind: "tier.changed",
          data: {
            forge: t.forge,
            repo: t.repo,
            agent: t.agentId,
            from: before ? (before.revoked ? "revoked" : Number(before.tier)) : null,
            to: t.revoked ? "revoked" : t.tier,
            reason: t.reason,
            ...evidence,
          },
        },
      ]);
    }
  });
}

/** Tier changes of a repository, oldest first, as the ledger holds them. */
export async function tierHistory(
  db: Database,
  forge: Forge,
  repo: string,
): Promise<Array<{ at: Date; data: Record<string, unknown> }>> {
  const { rows } = await db.query<{ at: Date; data: Record<string, unknown> }>(
    "SELECT at, data FROM ledger WHERE kind = 'tier.changed' AND data->>'forge' = $1 AND data->>'repo' = $2 ORDER BY seq",
    [forge, repo],
  );
  return rows;
}

function toTier(r: Record<string, unknown>): AgentTier {
  return {
    forge: r.forge as Forge,
    repo: String(r.repo),
    agentId: String(r.agent_id),
    tier: Number(r.tier),
    cleanStreak: Number(r.clean_streak),
    revoked: Boolean(r.revoked),
    reason: (r.reason as string | null) ?? null,
    updatedAt: r.updated_at as Date,
  };
}
