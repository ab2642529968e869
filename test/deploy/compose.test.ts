import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DCLinter } from "dclint";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { OWNER_ONLY_ENV, ROLE_SECRET_ENV, read, repoRoot } from "./deploy-support.js";

// No Docker here: deploy/compose.yaml is checked against the Compose Specification's JSON
// Schema (the copy dclint ships, with YAML anchors and merge keys resolved) and dclint's
// correctness rules, then for what Sentinel needs from it. CI's `image` job runs
// `docker compose config` and starts the stack.

const file = path.join(repoRoot, "deploy", "compose.yaml");
// merge: true resolves `<<: *sentinel` as Compose does.
const compose = YAML.parse(read("deploy/compose.yaml"), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};
interface LintMessage {
  rule: string;
  line: number;
  message: string;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  restart?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  secrets?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  security_opt?: string[];
  ports?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
}
const { server, worker, redis, postgres, migrate } = compose.services as Record<
  "server" | "worker" | "redis" | "postgres" | "migrate",
  Service
>;

describe("deploy/compose.yaml", () => {
  it("is valid under the Compose Specification schema and dclint's correctness rules", () => {
    const linter = new DCLinter({
      rules: {
        // Correctness; the ordering and quoting rules are style and stay off.
        "no-duplicate-container-names": 2,
        "no-duplicate-exported-ports": 2,
        "no-version-field": 2,
        "no-build-and-image": 0, // image names what build produces (SENTINEL_IMAGE), on purpose
        "service-image-require-explicit-tag": 2,
        "no-quotes-in-volumes": 2,
        "no-unbound-port-interfaces": 2,
        "require-project-name-field": 2,
        "service-keys-order": 0,
        "services-alphabetical-order": 0,
        "top-level-properties-order": 0,
        "service-dependencies-alphabetical-order": 0,
        "service-ports-alphabetical-order": 0,
        "require-quotes-in-ports": 0,
      },
      quiet: true,
      debug: false,
      exclude: [],
    });
    const [result] = linter.lintFiles([file], false);
    expect(result!.messages.map((m: LintMessage) => `${m.rule} line ${m.line}: ${m.message}`)).toEqual([]);
  });

  it("notices a broken file (the schema check is live)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "sentinel-compose-"));
    try {
      const broken = path.join(dir, "compose.yaml");
      writeFileSync(broken, read("deploy/compose.yaml").replace("stop_grace_period: 60s", "stop_grace_priod: 60s"));
      const [result] = new DCLinter({ rules: {}, quiet: true, debug: false, exclude: [] }).lintFiles([broken], false);
      expect(result!.messages.map((m: LintMessage) => m.rule)).toContain("invalid-schema");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs server and worker from one image, differing in SENTINEL_ROLE", () => {
    expect(server.image).toBe(worker.image);
    expect(server.build).toEqual({ context: "..", dockerfile: "deploy/Dockerfile" });
    expect(server.environment!.SENTINEL_ROLE).toBe("server");
    expect(worker.environment!.SENTINEL_ROLE).toBe("worker");
    expect(worker.environment!.SENTINEL_SANDBOX).toBe("${SENTINEL_SANDBOX:-required}");
  });

  it("hands every secret over as a file (NAME_FILE), never as a value in the environment", () => {
    for (const s of [server, worker]) {
      for (const name of ROLE_SECRET_ENV) {
        expect(s.environment![name], name).toBeUndefined();
        const secret = s.environment![`${name}_FILE`]!;
        expect(secret).toMatch(/^\/run\/secrets\/[a-z_]+$/);
        const key = secret.slice("/run/secrets/".length);
        expect(s.secrets).toContain(key);
        expect(compose.secrets[key]!.file).toBe(`./secrets/${key}`);
      }
    }
    expect(read("deploy/.gitignore")).toMatch(/^secrets\/$/m);
  });

  it("starts Sentinel only once PostgreSQL and Redis are healthy and the migrations have run", () => {
    for (const s of [server, worker])
      expect(s.depends_on).toEqual({
        postgres: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
        migrate: { condition: "service_completed_successfully" },
      });
    expect(migrate.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(postgres.healthcheck!.test!.join(" ")).toMatch(/pg_isready/);
    expect(redis.healthcheck!.test!.join(" ")).toMatch(/redis-cli ping/);
  });

  it("runs migrations in a one-shot service as the schema owner, and gives server and worker only the application role's URL", () => {
    expect(migrate.command).toEqual(["node", "dist/store/migrate-main.js"]);
    expect(migrate.restart).toBe("no");
    expect(migrate.image).toBe(server.image);
    expect(migrate.environment).toEqual({
      DATABASE_URL_FILE: "/run/secrets/database_url",
      DATABASE_MIGRATION_URL_FILE: "/run/secrets/database_migration_url",
    });
    expect(migrate.secrets!.sort()).toEqual(["database_migration_url", "database_url"]);
    expect(migrate.healthcheck).toEqual({ disable: true });
    for (const s of [server, worker]) {
      for (const name of OWNER_ONLY_ENV) {
        expect(s.environment![name]).toBeUndefined();
        expect(s.environment![`${name}_FILE`]).toBeUndefined();
      }
      expect(s.secrets).not.toContain("database_migration_url");
    }
  });

  it("creates the two database roles on a new PostgreSQL volume, from deploy/postgres/roles.sql and the passwords' secrets", () => {
    expect(postgres.volumes).toContain("./postgres/roles.sql:/sentinel/roles.sql:ro");
    expect(postgres.volumes).toContain(
      "./postgres/compose-roles.sh:/docker-entrypoint-initdb.d/50-sentinel-roles.sh:ro",
    );
    expect(postgres.secrets).toEqual(
      expect.arrayContaining(["postgres_password", "postgres_owner_password", "postgres_app_password"]),
    );
    // Executable, or the postgres image would source it into its own entrypoint.
    expect(statSync(path.join(repoRoot, "deploy", "postgres", "compose-roles.sh")).mode & 0o111).toBe(0o111);
    const init = read("deploy/postgres/compose-roles.sh");
    expect(init).toContain("--file /sentinel/roles.sql");
    expect(init).toMatch(
      /printf "ALTER ROLE sentinel_owner PASSWORD '%s';\\nALTER ROLE sentinel_app PASSWORD '%s';\\n" "\$owner_password" "\$app_password" \|/,
    );
    expect(compose.secrets.postgres_owner_password!.file).toBe("./secrets/postgres_owner_password");
  });

  it("requires a password on Redis: an ACL file from a secret, nothing secret on its command line, and a healthcheck that authenticates", () => {
    const cmd = redis.command!;
    expect(cmd.slice(0, 3)).toEqual(["redis-server", "--aclfile", "/run/secrets/redis_acl"]);
    expect(cmd.join(" ")).not.toMatch(/requirepass|--user|\$\(/);
    expect(redis.secrets).toEqual(["redis_acl", "redis_password"]);
    expect(compose.secrets.redis_acl!.file).toBe("./secrets/redis_acl");
    const [kind, check] = redis.healthcheck!.test!;
    expect(kind).toBe("CMD-SHELL");
    // The password goes to redis-cli through its environment, and only a PONG counts.
    expect(check).toBe('REDISCLI_AUTH="$$(cat /run/secrets/redis_password)" redis-cli ping | grep -qx PONG');
    for (const s of [server, worker]) expect(s.environment!.REDIS_URL_FILE).toBe("/run/secrets/redis_url");
  });

  it("POSTs ledger checkpoints to SENTINEL_LEDGER_CHECKPOINT_URL when the shell or deploy/.env sets it, with the token from a secret", () => {
    for (const s of [server, worker]) {
      expect(s.environment!.SENTINEL_LEDGER_CHECKPOINT_URL).toBe("${SENTINEL_LEDGER_CHECKPOINT_URL:-}");
      expect(s.environment!.SENTINEL_LEDGER_CHECKPOINT_TOKEN_FILE).toBe("/run/secrets/ledger_checkpoint_token");
    }
  });

  it("configures Redis as BullMQ needs: noeviction, persistence on, on a volume", () => {
    const cmd = redis.command!.join(" ");
    expect(cmd).toContain("--maxmemory-policy noeviction");
    expect(cmd).toContain("--appendonly yes");
    expect(redis.volumes).toContain("redis-data:/data");
    expect(compose.volumes).toHaveProperty("redis-data");
  });

  it("runs PostgreSQL 15 or later on a volume", () => {
    expect(Number(/^postgres:(\d+)/.exec(postgres.image!)![1])).toBeGreaterThanOrEqual(15);
    expect(postgres.volumes).toContain("pgdata:/var/lib/postgresql/data");
    expect(postgres.environment!.POSTGRES_PASSWORD_FILE).toBe("/run/secrets/postgres_password");
  });

  it("keeps the ledger checkpoint and the worker's work dir on volumes, and the rest read-only", () => {
    for (const s of [server, worker]) {
      expect(s.environment!.SENTINEL_LEDGER_CHECKPOINT).toBe("/var/lib/sentinel/ledger/checkpoints.jsonl");
      expect(s.volumes).toContain("ledger:/var/lib/sentinel/ledger");
      expect(s.read_only).toBe(true);
      expect(s.tmpfs).toContain("/tmp");
      expect(s.cap_drop).toEqual(["ALL"]);
    }
    expect(worker.volumes).toContain("work:/var/lib/sentinel/work");
  });

  it("gives the worker what bubblewrap needs, and the server none of it", () => {
    for (const opt of ["seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"]) {
      expect(worker.security_opt).toContain(opt);
      expect(server.security_opt).not.toContain(opt);
    }
    expect(server.security_opt).toContain("no-new-privileges:true");
  });

  it("publishes only the server, on loopback (a TLS proxy goes in front)", () => {
    expect(server.ports).toEqual(["127.0.0.1:${SENTINEL_PORT:-3000}:3000"]);
    for (const s of [worker, redis, postgres, migrate]) expect(s.ports).toBeUndefined();
  });
});
