// Findings 9 (the ledger's database role) and 10 (the audit trail): run after the others, over
// everything they made Sentinel see, decide and do.
import pg from "pg";
import { readHead, readLedger, verifyChain, type LedgerEntry } from "../../src/ledger/index.js";
import type { Attack } from "./attack.js";

export const auditAttacks: Attack[] = [
  {
    finding: 9,
    name: "the application's database role rewrites the ledger or disables its triggers",
    async run(ctx) {
      const app = new pg.Client({ connectionString: ctx.appUrl });
      await app.connect();
      const tried: string[] = [];
      try {
        for (const sql of [
          "UPDATE ledger SET kind = 'rewritten' WHERE seq = 1",
          "DELETE FROM ledger WHERE seq = 1",
          "TRUNCATE ledger",
          "ALTER TABLE ledger DISABLE TRIGGER ALL",
          "DROP TRIGGER ledger_append_only ON ledger",
        ]) {
          const refused = await app.query(sql).then(
            () => false,
            (e: { code?: string }) => e.code === "42501",
          );
          tried.push(`${sql.split(" ").slice(0, 2).join(" ")}: ${refused ? "permission denied" : "ALLOWED"}`);
        }
      } finally {
        await app.end();
      }
      return { blocked: tried.every((t) => t.endsWith("permission denied")), detail: tried.join("; ") };
    },
  },
  {
    finding: 10,
    name: "what the attacks above did, traced in the ledger",
    async run(ctx) {
      await ctx.app.flush();
      const entries: LedgerEntry[] = [];
      for await (const e of readLedger(ctx.owner)) entries.push(e);
      const of = (kind: string) => entries.filter((e) => e.kind === kind);
      const { rows } = await ctx.owner.query<{ delivery_key: string }>("SELECT delivery_key FROM deliveries");
      const accepted = new Set(of("delivery.accepted").map((e) => String(e.data.delivery)));
      const missing = rows.filter((r) => !accepted.has(r.delivery_key)).length;
      const refused = of("delivery.refused").reduce((n, e) => n + Number(e.data.count), 0);
      const writes = of("forge.write");
      const uncaused = writes.filter((e) => Object.keys((e.data.cause as object) ?? {}).length === 0).length;
      const diagnosed = new Set(of("diagnosis").map((e) => String(e.data.failure)));
      // A failure's report leads to its diagnosis entry (a config check's is caused by its delivery instead).
      const reportsOfUndiagnosed = writes.filter((e) => {
        const failure = (e.data.cause as { failure?: string }).failure;
        return e.data.op === "publishReport" && failure !== undefined && !diagnosed.has(failure);
      }).length;
      const chain = await verifyChain(entries, { head: await readHead(ctx.owner) });
      return {
        blocked: missing === 0 && refused > 0 && uncaused === 0 && reportsOfUndiagnosed === 0 && chain.ok,
        detail: `${entries.length} entries: ${rows.length} deliveries all recorded (${missing} missing), ${refused} refusals counted, ${diagnosed.size} diagnoses, ${writes.length} forge writes (${uncaused} without a cause, ${reportsOfUndiagnosed} reports without a diagnosis entry), ${of("decision").length} decisions; chain ${chain.ok ? "verifies" : `broken: ${chain.problem?.message}`}`,
      };
    },
  },
];
