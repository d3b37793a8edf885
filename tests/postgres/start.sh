#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the PostgreSQL tests: initdb on a temporary folder, listening only on a
# Unix socket inside it (no TCP port to collide with), trust authentication for the superuser postgres.
#
#   eval "$(tests/postgres/start.sh)"      # exports CYCLETOKENS_TEST_POSTGRES; prints the folder on stderr
#   tests/postgres/start.sh DIR            # the same in DIR (created if missing); DIR/env holds the export line
#   tests/postgres/stop.sh DIR             # stops the cluster and deletes DIR
#
# Debian's postgresql package is installed when no initdb is found and we are root (CI runs on a fresh Debian machine).
set -euo pipefail

log() { echo "postgres: $*" >&2; }

find_bindir() {
  local dir
  # The newest of Debian's versioned folders, else whatever pg_config or the PATH knows.
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir)
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  fi
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"; return 0
  fi
  return 1
}

bindir=$(find_bindir || true)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "initdb not found: installing Debian's postgresql package"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
    bindir=$(find_bindir || true)
  fi
  if [ -z "$bindir" ]; then
    log "initdb and pg_ctl not found: install PostgreSQL (Debian: apt-get install postgresql)"
    exit 1
  fi
fi

if [ $# -ge 1 ]; then
  dir=$1
  mkdir -p "$dir"
else
  dir=$(mktemp -d "${TMPDIR:-/tmp}/cycletokens-pg.XXXXXX")
fi
dir=$(cd "$dir" && pwd)
if [ -e "$dir/data" ]; then
  log "$dir/data already exists: stop that cluster first (tests/postgres/stop.sh $dir) or pick another folder"
  exit 1
fi
mkdir -p "$dir/socket"

# initdb refuses to run as root: then the cluster belongs to the postgres user (the package creates it). Clients as
# any user still connect through the socket (mode 0777) as the role postgres, with trust authentication.
run=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    log "running as root but there is no postgres user to own the cluster"
    exit 1
  fi
  chown -R postgres: "$dir"
  chmod 0755 "$dir"
  run=(runuser -u postgres --)
fi

# Unix sockets have a path limit of about 107 bytes.
socket="$dir/socket"
if [ ${#socket} -gt 90 ]; then
  log "the socket folder $socket is too long for a Unix socket path: use a shorter folder"
  exit 1
fi

port=${CYCLETOKENS_TEST_POSTGRES_PORT:-5432} # with no TCP listener the port only names the socket file

# Run from the cluster folder: initdb and pg_ctl fail when the postgres user cannot read the current directory.
cd "$dir"
"${run[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
  || { log "initdb failed:"; tail -n 20 "$dir/initdb.log" >&2; exit 1; }

# fsync off: a throwaway cluster need not survive a machine crash, and tests run faster. Commits still reach the
# kernel before they are acknowledged (synchronous_commit stays on), so killing or restarting the server loses nothing.
# CYCLETOKENS_PG_DURABLE=1 keeps PostgreSQL's durable defaults instead (fsync, full page writes): the benchmarks use it.
durability="-c fsync=off -c full_page_writes=off"
[ "${CYCLETOKENS_PG_DURABLE:-0}" = 1 ] && durability=""
"${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses='' -c unix_socket_directories='$socket' -p $port $durability -c max_connections=200" \
  start >&2 || { log "pg_ctl start failed:"; tail -n 20 "$dir/server.log" >&2; exit 1; }

connection="Host=$socket;Port=$port;Username=postgres;Database=postgres"
echo "export CYCLETOKENS_TEST_POSTGRES='$connection'" >"$dir/env"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/env"
log "cluster running in $dir ($("$bindir/postgres" --version)); stop it with tests/postgres/stop.sh $dir"
cat "$dir/env"
