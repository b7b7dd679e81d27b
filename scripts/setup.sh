#!/usr/bin/env bash
# Installs what the service needs and is missing, and says so as it goes.
#   scripts/setup.sh        runtime: PostGIS, Redis, .venv with requirements.txt
#   scripts/setup.sh dev    also test tools: requirements-dev.txt and headless Chromium
# DATABASE_URL / REDIS_URL, when set, point at servers we do not manage: then nothing is
# installed for them.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-runtime}
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_updated=""
apt_install() {
  if [ "$(id -u)" != 0 ]; then echo "Need root to apt-get install $*" >&2; exit 1; fi
  if [ -z "$apt_updated" ]; then say "apt-get update"; apt-get update -qq; apt_updated=1; fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- Python ------------------------------------------------------------------
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || apt_install python3 python3-venv python3-dev
if [ ! -x .venv/bin/python ]; then
  say "Creating .venv with $($PY --version)"
  "$PY" -m venv .venv 2>/dev/null || { apt_install python3-venv; "$PY" -m venv .venv; }
fi
req=requirements.txt; [ "$mode" = dev ] && req=requirements-dev.txt
hash=$(cat requirements*.txt | sha256sum | cut -c1-16)
stamp=.venv/.installed-$hash-$mode
# The dev set includes the runtime one, so either stamp of this hash will do for runtime.
if [ -f "$stamp" ] || { [ "$mode" != dev ] && [ -f ".venv/.installed-$hash-dev" ]; }; then
  say "Python packages from $req already installed"
else
  say "Installing pinned Python packages from $req"
  .venv/bin/pip install -q --disable-pip-version-check -r "$req"
  find .venv -maxdepth 1 -name '.installed-*' ! -name ".installed-$hash-*" -delete
  touch "$stamp"
fi

# --- PostgreSQL + PostGIS --------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  pgq() { psql -h 127.0.0.1 -U postgres -d postgres -Atqc "$1" 2>/dev/null; }
  if ! command -v psql >/dev/null || ! pgq "select 1" >/dev/null; then
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
    say "Starting PostgreSQL"
    for v in /etc/postgresql/*; do pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start || true; done
    sleep 2
  fi
  major=$(pgq "show server_version_num" | cut -c1-2)
  if [ -z "$major" ]; then
    echo "PostgreSQL does not let user postgres in on 127.0.0.1:5432 without a password." >&2
    echo "Set DATABASE_URL (postgresql+psycopg://USER:PASSWORD@HOST/resilience), or allow" >&2
    echo "local connections in pg_hba.conf, and run this again." >&2
    exit 1
  fi
  if [ "$(pgq "select count(*) from pg_available_extensions where name='postgis'")" != 1 ]; then
    apt_install "postgresql-${major}-postgis-3"
  else
    say "PostGIS is available for PostgreSQL ${major}"
  fi
  # pgRouting: only bench/roads.py uses it (in its own database), for its reference times.
  if [ "$(pgq "select count(*) from pg_available_extensions where name='pgrouting'")" != 1 ]; then
    apt_install "postgresql-${major}-pgrouting"
  else
    say "pgRouting is available for PostgreSQL ${major}"
  fi
fi

# --- Redis -------------------------------------------------------------------------
if [ -z "${REDIS_URL:-}" ]; then
  if ! (command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1); then
    command -v redis-server >/dev/null || apt_install redis-server
    say "Starting Redis on 127.0.0.1:6379 (append-only, data in var/redis)"
    mkdir -p var/redis
    redis-server scripts/redis.conf --daemonize yes --bind 127.0.0.1 --port 6379 \
      --dir "$PWD/var/redis" --logfile "$PWD/var/redis/redis.log"
    sleep 1
  else
    say "Redis is running"
  fi
fi

# --- Chromium: the situation report's PDF (print-to-PDF), and the browser tests -----------
# Runtime: /runs/<id>/report.pdf is printed by headless Chromium, with fonts for å, ä, ö.
# (grep reads all of fc-list: `grep -q` would stop early, fc-list die of SIGPIPE, and
# pipefail take that for "missing" and reinstall on every run.)
if ! [ -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -i "liberation sans" >/dev/null; then
  apt_install chromium fonts-liberation
else
  say "Chromium and its fonts are installed"
fi

# --- Test tools --------------------------------------------------------------------
if [ "$mode" = dev ]; then
  if ! [ -x /usr/bin/chromedriver ]; then apt_install chromium-driver; else say "chromedriver is installed"; fi
  command -v ogrinfo >/dev/null || apt_install gdal-bin  # exports are checked with GDAL's own ogrinfo
  # PyQGIS (QGIS 3.22 on Debian 12) for tests/web/test_qgis.py, run by the system's python3;
  # optional: those tests skip, saying why, where it cannot be installed.
  if /usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1; then
    say "PyQGIS is installed"
  elif [ "$(id -u)" = 0 ]; then
    apt_install --no-install-recommends qgis python3-qgis \
      || echo "PyQGIS not installed: the QGIS tests will be skipped" >&2
  else
    echo "PyQGIS not installed (needs root): the QGIS tests will be skipped" >&2
  fi
fi
