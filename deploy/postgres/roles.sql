-- Sentinel's two PostgreSQL roles (docs/hardening.md, "The database roles").
--
--   sentinel_owner  owns the database, its public schema and every Sentinel table; migrations run
--                   as it, through DATABASE_MIGRATION_URL (the server at start-up).
--   sentinel_app    what the server and workers use for everything else (DATABASE_URL): it reads
--                   and writes the operational tables, but may only SELECT and INSERT on the audit
--                   ledger and SELECT and UPDATE its head. It owns nothing, and in PostgreSQL only
--                   a table's owner (or a superuser) may ALTER it, DISABLE or DROP its triggers.
--
-- Run it as a superuser (or, on a managed service, the admin role with CREATEROLE), connected to
-- Sentinel's database, then give both roles a password (\password sends only a hash):
--
--   psql "postgres://admin@db.example.com:5432/sentinel" -v ON_ERROR_STOP=1 -f deploy/postgres/roles.sql
--   psql "postgres://admin@db.example.com:5432/sentinel" -c '\password sentinel_owner' -c '\password sentinel_app'
--
-- It is safe to run again, and on a database an earlier Sentinel already filled as one role: it
-- hands every table, sequence and function in the public schema to sentinel_owner. So give it a
-- database of its own. The role names are fixed here; to run two installations on one server,
-- replace them throughout (they are cluster-wide).

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sentinel_owner') THEN
    CREATE ROLE sentinel_owner LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sentinel_app') THEN
    CREATE ROLE sentinel_app LOGIN;
  END IF;
  -- A member of the owner could SET ROLE to it and disable the triggers: refuse that setup.
  IF pg_has_role('sentinel_app', 'sentinel_owner', 'MEMBER') THEN
    RAISE EXCEPTION 'sentinel_app is a member of sentinel_owner: REVOKE sentinel_owner FROM sentinel_app first';
  END IF;
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = 'sentinel_app') THEN
    RAISE EXCEPTION 'sentinel_app is a superuser: ALTER ROLE sentinel_app NOSUPERUSER first';
  END IF;
  -- A non-superuser admin (managed services) may only hand objects to a role it belongs to.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AND NOT pg_has_role(current_user, 'sentinel_owner', 'MEMBER') THEN
    EXECUTE format('GRANT sentinel_owner TO %I', current_user);
  END IF;
  EXECUTE format('ALTER DATABASE %I OWNER TO sentinel_owner', current_database());
END
$$;

-- Everything an earlier, single-role Sentinel created moves to the owner (a table's sequences and
-- indexes follow it).
DO $$
DECLARE
  o record;
BEGIN
  ALTER SCHEMA public OWNER TO sentinel_owner;
  FOR o IN
    SELECT c.oid::regclass AS name FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relowner <> 'sentinel_owner'::regrole
  LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO sentinel_owner', o.name);
  END LOOP;
  FOR o IN
    SELECT c.oid::regclass AS name FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S' AND c.relowner <> 'sentinel_owner'::regrole
  LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNER TO sentinel_owner', o.name);
  END LOOP;
  FOR o IN
    SELECT p.oid::regprocedure AS name FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> 'sentinel_owner'::regrole
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO sentinel_owner', o.name);
  END LOOP;
END
$$;

-- Only the owner creates objects in the schema (PostgreSQL 15 made this the default; a cluster
-- upgraded from an older one may still let everyone).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO sentinel_app;

-- Tables and sequences later migrations create (as sentinel_owner) are the app's to use…
ALTER DEFAULT PRIVILEGES FOR ROLE sentinel_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sentinel_app;
ALTER DEFAULT PRIVILEGES FOR ROLE sentinel_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO sentinel_app;
-- …and so are those that exist already.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sentinel_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sentinel_app;

-- Except the audit trail, narrowed after the blanket grants above. Sentinel does the same after
-- every migration run (src/store/audit-privileges.ts), which covers a database migrated after this
-- script ran: the default privileges above hand the ledger UPDATE and DELETE when the migration
-- creates it, and the same transaction takes them back.
DO $$
BEGIN
  IF to_regclass('public.ledger') IS NOT NULL THEN
    REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON public.ledger FROM sentinel_app CASCADE;
  END IF;
  IF to_regclass('public.ledger_head') IS NOT NULL THEN
    REVOKE INSERT, DELETE, TRUNCATE, TRIGGER, REFERENCES ON public.ledger_head FROM sentinel_app CASCADE;
  END IF;
  IF to_regclass('public.schema_migrations') IS NOT NULL THEN
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON public.schema_migrations FROM sentinel_app CASCADE;
  END IF;
END
$$;
