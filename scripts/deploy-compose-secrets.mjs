#!/usr/bin/env node
// Creates the secret files deploy/compose.yaml mounts (deploy/secrets/<name>), never
// overwriting one that exists, so it is safe to run again after adding a key by hand, and after
// an upgrade that added secrets (docs/hardening.md says what to do about the warnings it prints).
//
// Generated: the PostgreSQL passwords (the admin's, and those of the two roles
// deploy/postgres/roles.sql creates: sentinel_owner runs migrations, sentinel_app runs Sentinel)
// and the URLs that carry them; the Redis password, its ACL file (which holds only its SHA-256)
// and REDIS_URL; the GitHub and GitLab webhook secrets (paste them into the App and the hook) and
// the dashboard token. A URL is built from the password file as it is, so deleting a URL and
// running this again rebuilds it. Left empty, which turns that part off until you fill them:
// app_id, private_key (the App's PEM), gitlab_token, slack_signing_secret, slack_bot_token,
// ledger_checkpoint_token, llm_api_key (the llm-patch agent's endpoint key; Ollama needs none).
//
// The folder is 0700 so other users of the host cannot read it; the files are 0644 because
// Compose (outside Swarm) bind-mounts them as they are, and the container's user (10001, or
// redis's and postgres's own) must be able to read them.
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.resolve(
  process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "deploy", "secrets"),
);
const token = () => randomBytes(32).toString("hex");

mkdirSync(dir, { recursive: true, mode: 0o700 });
chmodSync(dir, 0o700);
const file = (name) => path.join(dir, name);

/** Writes `name` unless it exists; returns its content either way. */
function ensure(name, value) {
  if (existsSync(file(name))) {
    console.log(`kept     ${file(name)}`);
    return readFileSync(file(name), "utf8").replace(/\n+$/, "");
  }
  writeFileSync(file(name), value, { mode: 0o644, flag: "wx" });
  console.log(`${value ? "created " : "empty   "} ${file(name)}`);
  return value;
}

ensure("postgres_password", token());
const ownerPassword = ensure("postgres_owner_password", token());
const appPassword = ensure("postgres_app_password", token());
const redisPassword = ensure("redis_password", token());

const databaseUrl = ensure("database_url", `postgres://sentinel_app:${appPassword}@postgres:5432/sentinel`);
ensure("database_migration_url", `postgres://sentinel_owner:${ownerPassword}@postgres:5432/sentinel`);
// Redis keeps only the password's hash: the ACL file gives the default user that password and
// everything else (BullMQ needs scripts, streams and pub/sub); without it Redis refuses every command.
ensure("redis_acl", `user default on #${createHash("sha256").update(redisPassword).digest("hex")} ~* &* +@all\n`);
const redisUrl = ensure("redis_url", `redis://:${redisPassword}@redis:6379`);

for (const name of ["webhook_secret", "gitlab_webhook_secret", "dashboard_token"]) ensure(name, token());
for (const name of [
  "app_id",
  "private_key",
  "gitlab_token",
  "slack_signing_secret",
  "slack_bot_token",
  "ledger_checkpoint_token",
  "llm_api_key",
])
  ensure(name, "");

// Files kept from before the roles and the Redis password existed still name the old setup.
if (/^postgres(ql)?:\/\/sentinel:/.test(databaseUrl)) {
  console.warn(
    `WARNING  ${file("database_url")} connects as sentinel, PostgreSQL's superuser, which can rewrite the audit ledger. Set up the roles (docs/hardening.md, "The database roles"), then delete it and run this again.`,
  );
}
if (!/^rediss?:\/\/[^@/]*:[^@/]+@/.test(redisUrl)) {
  console.warn(
    `WARNING  ${file("redis_url")} has no password, and Redis now requires one. Delete it and run this again.`,
  );
}
