#!/bin/sh
# Sentinel's PostgreSQL roles for deploy/compose.yaml: runs deploy/postgres/roles.sql, then gives
# sentinel_owner and sentinel_app the passwords in the compose secrets. The postgres image runs it
# once, when it initialises an empty data volume (/docker-entrypoint-initdb.d). For a volume an
# earlier Sentinel already filled, run it by hand (docs/hardening.md):
#
#   docker compose -f deploy/compose.yaml exec postgres /docker-entrypoint-initdb.d/50-sentinel-roles.sh
#
# It connects over the container's Unix socket as the image's superuser (POSTGRES_USER).
set -e
db="${POSTGRES_DB:-sentinel}"
admin="${POSTGRES_USER:-sentinel}"
owner_password="$(cat /run/secrets/postgres_owner_password)"
app_password="$(cat /run/secrets/postgres_app_password)"
for p in "$owner_password" "$app_password"; do
  case "$p" in
    "" | *"'"* | *"\\"*)
      echo "50-sentinel-roles.sh: postgres_owner_password and postgres_app_password must be set and hold no quote or backslash (scripts/deploy-compose-secrets.mjs makes hex ones)" >&2
      exit 1
      ;;
  esac
done

psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "$admin" --dbname "$db" --file /sentinel/roles.sql
# Over stdin: on psql's command line the passwords would show in ps.
printf "ALTER ROLE sentinel_owner PASSWORD '%s';\nALTER ROLE sentinel_app PASSWORD '%s';\n" "$owner_password" "$app_password" |
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "$admin" --dbname "$db"
echo "50-sentinel-roles.sh: sentinel_owner owns database $db; sentinel_app may only append to its audit ledger"
