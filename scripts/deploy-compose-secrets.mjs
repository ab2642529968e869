#!/usr/bin/env node
// Creates the secret files deploy/compose.yaml mounts (deploy/secrets/<name>), never
// overwriting one that exists, so it is safe to run again after adding a key by hand.
//
// Generated: the PostgreSQL password (and the DATABASE_URL that carries it), REDIS_URL, the
// GitHub and GitLab webhook secrets (paste them into the App and the hook) and the dashboard
// token. Left empty, which turns that part off until you fill them: app_id, private_key (the
// App's PEM), gitlab_token, slack_signing_secret, slack_bot_token.
//
// The folder is 0700 so other users of the host cannot read it; the files are 0644 because
// Compose (outside Swarm) bind-mounts them as they are, and the container's user (10001) must
// be able to read them.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "deploy", "secrets"));
const token = () => randomBytes(32).toString("hex");

mkdirSync(dir, { recursive: true, mode: 0o700 });
chmodSync(dir, 0o700);
const postgresPath = path.join(dir, "postgres_password");
const postgresPassword = existsSync(postgresPath) ? null : token();

const files = {
  postgres_password: postgresPassword,
  // Only written together with a new password: an existing URL keeps matching the existing one.
  database_url: postgresPassword ? `postgres://sentinel:${postgresPassword}@postgres:5432/sentinel` : null,
  redis_url: "redis://redis:6379",
  webhook_secret: token(),
  gitlab_webhook_secret: token(),
  dashboard_token: token(),
  app_id: "",
  private_key: "",
  gitlab_token: "",
  slack_signing_secret: "",
  slack_bot_token: "",
};

for (const [name, value] of Object.entries(files)) {
  const file = path.join(dir, name);
  if (existsSync(file) || value === null) {
    console.log(`kept     ${file}`);
    continue;
  }
  writeFileSync(file, value, { mode: 0o644, flag: "wx" });
  console.log(`${value ? "created " : "empty   "} ${file}`);
}
