import { Command } from "commander";
import type { Forge } from "../store/index.js";
import type { CliIo } from "./io.js";
import { openCliDatabase, withStoreOptions, type StoreFlags } from "./store-options.js";

interface TiersFlags extends StoreFlags {
  repo?: string;
  forge?: Forge;
  history?: boolean;
  format: "text" | "json";
}

const NAMES = ["T0 observe", "T1 propose", "T2 push", "T3 wide"];

/**
 * `sentinel tiers`: each agent's trust tier per repository, and with `--history` the ledger's
 * record of every change and the evidence behind it. Reads the server's store (DATABASE_URL or
 * the PGlite data folder).
 */
export function tiersCommand(io: CliIo): Command {
  return withStoreOptions(
    new Command("tiers")
      .description("List agents' trust tiers per repository (and, with --history, why each changed).")
      .option("--repo <repo>", "only this repository (owner/name, GitLab path, or local path)")
      .option("--forge <forge>", "only this forge: github, gitlab or local")
      .option("--history", "also print every tier change recorded in the ledger")
      .option("--format <format>", "text or json", "text"),
  ).action(async (opts: TiersFlags) => {
    const { Store } = await import("../store/index.js");
    const db = await openCliDatabase(opts);
    try {
      const gov = new Store(db).gov;
      const tiers = await gov.listTiers({
        ...(opts.forge ? { forge: opts.forge } : {}),
        ...(opts.repo ? { repo: opts.repo } : {}),
      });
      const history = opts.history
        ? await Promise.all(
            [...new Set(tiers.map((t) => `${t.forge}\u0000${t.repo}`))].map(async (k) => {
              const [forge, repo] = k.split("\u0000") as [Forge, string];
              return {
                forge,
                repo,
                changes: await gov.tierHistory(forge, repo),
              };
            }),
          )
        : [];
      if (opts.format === "json") {
        io.stdout.write(JSON.stringify({ tiers, ...(opts.history ? { history } : {}) }, null, 2) + "\n");
        return;
      }
      if (tiers.length === 0) {
        io.stdout.write("no agent has a tier yet: agents get one on their first run in a repository\n");
        return;
      }
      const rows = tiers.map((t) => [
        `${t.forge}:${t.repo}`,
        t.agentId,
        t.revoked ? "revoked" : (NAMES[t.tier] ?? String(t.tier)),
        String(t.cleanStreak),
        t.reason ?? "",
      ]);
      io.stdout.write(table([["repository", "agent", "tier", "clean streak", "why"], ...rows]));
      for (const h of history) {
        io.stdout.write(`\n${h.forge}:${h.repo}\n`);
        for (const c of h.changes)
          io.stdout.write(
            `  ${c.at.toISOString()}  ${String(c.data.agent)}: ${String(c.data.from ?? "new")} -> ${String(c.data.to)}  (${String(c.data.reason ?? c.data.cause ?? "")}${c.data.runId ? `, run ${String(c.data.runId)}` : ""})\n`,
          );
      }
    } finally {
      await db.close();
    }
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}
