#!/usr/bin/env bash
# Stops, starts or restarts a cluster started by tests/postgres/start.sh, for the fault tests (a database restart
# under load). Stops are immediate (-m immediate: every backend is killed at once, no checkpoint, crash recovery
# on the next start), as a crash or a failover would be. The folder and its data are kept.
#
#   tests/postgres/pgctl.sh DIR stop       # down until started again
#   tests/postgres/pgctl.sh DIR start      # up again, with the options start.sh used (DIR/options); waits until ready
#   tests/postgres/pgctl.sh DIR restart    # pg_ctl restart -m immediate
set -euo pipefail

if [ $# -ne 2 ] || [ ! -d "$1/data" ]; then
  echo "usage: tests/postgres/pgctl.sh DIR stop|start|restart (DIR: a folder start.sh made)" >&2
  exit 2
fi
dir=$(cd "$1" && pwd)

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
pg_ctl="${bindir:+$bindir/}pg_ctl"
[ -x "$pg_ctl" ] || pg_ctl="$(pg_config --bindir 2>/dev/null)/pg_ctl"
[ -x "$pg_ctl" ] || pg_ctl=$(command -v pg_ctl)
run=()
[ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)

# As in start.sh: the postgres user must be able to read the current directory.
cd "$dir"
case "$2" in
  stop) "${run[@]}" "$pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null ;;
  start) "${run[@]}" "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(cat "$dir/options")" start >/dev/null ;;
  restart) "${run[@]}" "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -m immediate -w -t 60 restart >/dev/null ;;
  *) echo "pgctl.sh: unknown action $2 (stop, start or restart)" >&2; exit 2 ;;
esac
