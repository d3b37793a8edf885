#!/usr/bin/env bash
# Stops a cluster started by tests/postgres/start.sh and deletes its folder: tests/postgres/stop.sh DIR
set -uo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: tests/postgres/stop.sh DIR (the folder start.sh printed)" >&2
  exit 2
fi
dir=$(cd "$1" && pwd)

if [ -f "$dir/data/postmaster.pid" ]; then
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  pg_ctl="${bindir:+$bindir/}pg_ctl"
  command -v "$pg_ctl" >/dev/null 2>&1 || pg_ctl="$(pg_config --bindir 2>/dev/null)/pg_ctl"
  run=()
  [ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
  # immediate: the data is thrown away, so there is nothing to checkpoint.
  (cd "$dir" && "${run[@]}" "$pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null) \
    || echo "postgres: pg_ctl stop failed for $dir" >&2
fi

# Only a folder that start.sh made (or an empty one, when it failed early): never delete anything else.
if [ -f "$dir/data/PG_VERSION" ] || [ -f "$dir/env" ] || [ -f "$dir/initdb.log" ] || [ -z "$(ls -A "$dir")" ]; then
  rm -rf "$dir"
fi
