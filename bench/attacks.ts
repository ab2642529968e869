// `npm run bench:attacks`: replays every attack of the security review (issue "Close the trust
// boundary") against a running Sentinel on real PostgreSQL (two roles) and Redis, with the
// GitHub and GitLab APIs faked by nock, git served over real HTTP from disk, an attacker's
// listener on loopback and fixers in bubblewrap; prints one line per attack: blocked or NOT.
// Exits 1 when any attack got through. Options: --only <text> runs the attacks whose name
// contains it. ATTACKS_LOG_LEVEL=info shows Sentinel's log.
import { nock } from "../test/support/http-mock.js";
import { auditAttacks } from "./attacks/audit-attacks.js";
import type { Attack } from "./attacks/attack.js";
import { startAttackContext } from "./attacks/context.js";
import { fixerAttacks } from "./attacks/fixer-attacks.js";
import { forgeAttacks } from "./attacks/forge-attacks.js";
import { inputAttacks } from "./attacks/input-attacks.js";

const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
// The audit attacks look at what the others left in the ledger, so they run last.
const attacks: Attack[] = [...forgeAttacks, ...fixerAttacks, ...inputAttacks, ...auditAttacks].filter(
  (a) => !only || a.name.includes(only),
);

const ctx = await startAttackContext();
const started = Date.now();
let through = 0;
console.log(
  `bench:attacks: ${attacks.length} attacks against Sentinel on PostgreSQL (application role) and Redis (prefix ${ctx.queuePrefix}); forge at ${ctx.forge.origin}, attacker at ${ctx.attacker.origin}\n`,
);
try {
  for (const a of attacks) {
    const t = Date.now();
    let result: { blocked: boolean; detail: string };
    try {
      result = await a.run(ctx);
    } catch (error) {
      result = {
        blocked: false,
        detail: `the attack could not be replayed: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    // Each attack fakes the API for its own repository: the next one starts from none.
    nock.cleanAll();
    if (!result.blocked) through++;
    console.log(
      `${result.blocked ? "blocked" : "NOT BLOCKED"}  [finding ${a.finding}] ${a.name} (${((Date.now() - t) / 1000).toFixed(1)} s)\n         ${result.detail}`,
    );
  }
} finally {
  await ctx.close();
}
console.log(
  `\n${attacks.length - through} of ${attacks.length} attacks blocked in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
process.exit(through === 0 ? 0 : 1);
