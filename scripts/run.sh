#!/usr/bin/env bash
# `make run`: set up, migrate, load the built-in Västerbotten data when the database is
# empty, make sure an admin exists, then run web, worker and scheduler until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
bash scripts/setup.sh

export DATABASE_URL=${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/resilience}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
flask() { .venv/bin/flask --app app "$@"; }

say "Database: ${DATABASE_URL%%\?*}"
flask db create
say "Migrating the database (alembic upgrade head)"
flask db upgrade
flask geodata load-demo --if-empty
flask users ensure-admin

pids=()
cleanup() {
  say "Stopping web, worker and scheduler"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# Run a background process again whenever it exits (a Redis outage, a crash), until make
# run stops: the web service must not go down with it.
supervise() {
  local name=$1 child=
  shift
  trap 'kill "$child" 2>/dev/null; exit 0' INT TERM
  while true; do
    "$@" &
    child=$!
    wait "$child" || true
    say "The $name exited; starting it again in 5 s"
    sleep 5 &
    wait $! || true
  done
}

say "Starting the RQ worker (with scheduler)"
supervise worker .venv/bin/python -m workers.worker &
pids+=($!)
say "Starting the scheduler (SMHI warnings every ${RESILIENCE_SMHI_POLL_SECONDS:-300} s)"
supervise scheduler .venv/bin/python -m workers.scheduler &
pids+=($!)
say "Starting the web service on http://127.0.0.1:5000 (gunicorn)"
# No control socket: gunicorn's default is one path per user (~/.gunicorn/gunicorn.ctl), shared by every
# instance on the host, so one checkout could command another's server.
.venv/bin/gunicorn --bind 127.0.0.1:5000 --workers 2 --threads 4 --no-control-socket \
  --access-logfile - "app:create_app()" &
web=$!
pids+=("$web")
say "Running. Ctrl-C stops everything."
wait "$web"
