import type { Queryable } from "./database.js";
import { StoreSetupError } from "./store-setup-error.js";

/**
 * What any role other than a table's owner may hold on the tables that carry the audit trail.
 * The ledger is appended to and read; its head moves with every append (the chain and the
 * checkpoints catch a head rewritten by hand); the migration record is only read. Everything else
 * (UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES, MAINTAIN) stays with the owner, and ALTER TABLE,
 * DISABLE TRIGGER and DROP TRIGGER are the owner's alone in PostgreSQL anyway.
 */
const AUDIT_TABLES: ReadonlyArray<{ table: string; allowed: readonly string[] }> = [
  { table: "ledger", allowed: ["SELECT", "INSERT"] },
  { table: "ledger_head", allowed: ["SELECT", "UPDATE"] },
  { table: "schema_migrations", allowed: ["SELECT"] },
];

interface ExcessGrant {
  table: string;
  privilege: string;
  grantee: string;
}

/**
 * Revokes every privilege on the audit tables beyond AUDIT_TABLES from roles other than their
 * owner, then checks that none is left. Runs as the owner after each migration run, so grants a
 * setup script or ALTER DEFAULT PRIVILEGES handed out wholesale (deploy/postgres/roles.sql gives
 * the app role DML on every table) are narrowed again, whichever ran first. Only revokes when
 * something is there to revoke: concurrent GRANT/REVOKE on one table can fail, and most starts
 * find nothing.
 */
export async function enforceAuditPrivileges(tx: Queryable): Promise<void> {
  const excess = await excessGrants(tx);
  for (const g of excess) {
    // Names come from the catalogue, quoted by quote_ident there; privileges are keywords.
    if (!/^[A-Z ]+$/.test(g.privilege)) continue;
    await tx.query(`REVOKE ${g.privilege} ON ${g.table} FROM ${g.grantee} CASCADE`);
  }
  const left = excess.length > 0 ? await excessGrants(tx) : [];
  if (left.length > 0) {
    throw new StoreSetupError(
      "E_DB_LEDGER_PRIVILEGES",
      `roles other than the owner can still rewrite the audit trail (${left.map((g) => `${g.privilege} on ${g.table} to ${g.grantee}`).join(", ")}) and the migration role could not revoke it: revoke it as the role that granted it (docs/hardening.md, "The database roles")`,
    );
  }
}

async function excessGrants(db: Queryable): Promise<ExcessGrant[]> {
  const out: ExcessGrant[] = [];
  for (const { table, allowed } of AUDIT_TABLES) {
    // Table-level grants, and column-level ones (GRANT UPDATE (hash) ON ledger …); a table-level
    // REVOKE removes both.
    const { rows } = await db.query<ExcessGrant>(
      `SELECT DISTINCT $1::text AS "table", a.privilege_type AS privilege,
              CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee
         FROM pg_class c
         CROSS JOIN LATERAL (
           -- aclexplode refuses an empty ACL, which a table whose grants were all revoked has.
           SELECT acl FROM (SELECT c.relacl AS acl UNION ALL SELECT att.attacl FROM pg_attribute att WHERE att.attrelid = c.oid) u
            WHERE cardinality(acl) > 0) acls
         CROSS JOIN LATERAL aclexplode(acls.acl) a
         LEFT JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.oid = to_regclass($1) AND a.grantee <> c.relowner
          AND NOT (a.privilege_type = ANY (string_to_array($2, ',')))`,
      [table, allowed.join(",")],
    );
    out.push(...rows);
  }
  return out;
}

/**
 * Why the connected role could still rewrite the ledger, or null when it cannot: a superuser, a
 * member of the ledger's owner (who may disable its triggers), or a role granted UPDATE, DELETE or
 * TRUNCATE on it. Asked of DATABASE_URL's role when migrations run under another one.
 */
export async function ledgerRewriteRisk(db: Queryable): Promise<string | null> {
  const { rows } = await db.query<{
    role: string;
    superuser: boolean;
    owner: string;
    member: boolean;
    rewrite: boolean;
  }>(
    `SELECT current_user AS role, r.rolsuper AS superuser, pg_get_userbyid(c.relowner) AS owner,
            pg_has_role(current_user, c.relowner, 'MEMBER') AS member,
            has_table_privilege(c.oid, 'UPDATE') OR has_table_privilege(c.oid, 'DELETE') OR has_table_privilege(c.oid, 'TRUNCATE') AS rewrite
       FROM pg_roles r, pg_class c
      WHERE r.rolname = current_user AND c.oid = to_regclass('ledger')`,
  );
  const r = rows[0];
  if (!r) return null;
  if (r.superuser) return `role ${r.role} is a superuser`;
  if (r.member)
    return r.role === r.owner
      ? `role ${r.role} owns the ledger`
      : `role ${r.role} is a member of ${r.owner}, which owns the ledger`;
  if (r.rewrite) return `role ${r.role} may UPDATE, DELETE or TRUNCATE the ledger`;
  return null;
}
