#!/bin/sh
# Sentinel reads its secrets from environment variables. Docker/Compose secrets arrive as files
# (/run/secrets/NAME), which keeps them out of `docker inspect` and out of env_file copies; so for
# each secret below, NAME_FILE=<path> is read into NAME before the app starts (the convention of
# the official postgres and redis images). Only this fixed list is honoured: an arbitrary *_FILE
# variable never turns into something else. Setting both NAME and NAME_FILE is refused, because
# which one wins would be a guess.
set -eu

for name in APP_ID PRIVATE_KEY WEBHOOK_SECRET GITLAB_WEBHOOK_SECRET GITLAB_TOKEN \
  SLACK_SIGNING_SECRET SLACK_BOT_TOKEN SENTINEL_DASHBOARD_TOKEN DATABASE_URL REDIS_URL \
  DATABASE_MIGRATION_URL SENTINEL_LEDGER_CHECKPOINT_TOKEN SENTINEL_LLM_API_KEY; do
  file_var="${name}_FILE"
  eval "file=\${$file_var:-}"
  [ -n "$file" ] || continue
  eval "direct=\${$name:-}"
  if [ -n "$direct" ]; then
    echo "sentinel-entrypoint: both $name and $file_var are set; set only one" >&2
    exit 64
  fi
  if [ ! -r "$file" ]; then
    echo "sentinel-entrypoint: $file_var names $file, which cannot be read" >&2
    exit 66
  fi
  # $(cat) drops trailing newlines, which secret files usually end with; a PEM keeps its inner ones.
  value="$(cat "$file")"
  export "$name=$value"
  unset "$file_var"
done

exec "$@"
