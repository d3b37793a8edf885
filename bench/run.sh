#!/usr/bin/env bash
# Benchmarks of the engine and of the built server; never part of `dotnet test` or CI, never fail a build.
# See docs/benchmarks.md.
#
#   bench/run.sh [MODE ...]     MODE: all (default) | startup | ledger | reservations | hop | memory | share | http | backends | migrate
#                               (migrate, not part of all: migrate-store into and out of a throwaway PostgreSQL cluster)
#   QUICK=1 bench/run.sh        a shorter run of the same modes (minutes, for checking the harness, not for figures)
#
# Builds and publishes what is measured into artifacts/bench/, installs the reference server from npm there, prints
# the machine, then runs each mode of the bench tool; everything printed on stdout is also kept in
# artifacts/bench/results-<UTC time>.md. Environment: QUICK=1, RUNS (startup, 20), WARMUPS (startup, 2), SKIP_AOT=1,
# REFERENCE_VERSION, SIZES (ledger sizes, default 1000,10000,100000,1000000), CALLS (memory, 100000).
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

modes=("$@")
[ ${#modes[@]} -eq 0 ] && modes=(all)
[ "${modes[0]}" = all ] && modes=(startup ledger reservations hop memory share http backends)
quick="${QUICK:-0}"
work=artifacts/bench
if [ "$quick" = 1 ]; then
  runs="${RUNS:-5}" sizes="${SIZES:-1000,10000,100000}" calls="${CALLS:-10000}"
else
  runs="${RUNS:-20}" sizes="${SIZES:-1000,10000,100000,1000000}" calls="${CALLS:-100000}"
fi
warmups="${WARMUPS:-2}"
# The official TypeScript "everything" server, pinned so runs compare.
reference_version="${REFERENCE_VERSION:-2026.8.31}"
reference="$work/reference/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
bench=(dotnet bench/CycleTokens.Bench/bin/Release/net10.0/cycletokens-bench.dll)
results="$work/results-$(date -u +%Y%m%dT%H%M%SZ).md"

say() { echo "== $*" >&2; }

machine() {
  echo "Machine:"
  echo "- CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "- disk: $(df -h --output=source,fstype . | tail -1 | tr -s ' ')"
  echo "- OS: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "- .NET SDK $(dotnet --version), runtime $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ { v = $2 } END { print v }')"
  echo "- node $(node --version 2>/dev/null || echo 'not installed'), reference server $reference_version"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
}

build() {
  say "build (Debug, for dotnet run --no-build; Release, the IL the tool package ships)"
  dotnet build src/CycleTokens.Mcp -c Debug -v quiet -nologo >&2
  dotnet build src/CycleTokens.Mcp -c Release -v quiet -nologo >&2
  say "publish ReadyToRun"
  rm -rf "$work/r2r" "$work/aot"
  dotnet publish src/CycleTokens.Mcp -c Release -o "$work/r2r" -v quiet -nologo >&2
  if [ "${SKIP_AOT:-0}" != 1 ]; then
    say "publish Native AOT (needs clang and zlib1g-dev)"
    if ! dotnet publish src/CycleTokens.Mcp -c Release -p:PublishAot=true -o "$work/aot" -v quiet -nologo >&2; then
      say "Native AOT publish failed: measuring without it"
      rm -rf "$work/aot"
    fi
  fi
  say "build the bench tool"
  dotnet build bench/CycleTokens.Bench -c Release -v quiet -nologo >&2
}

install_reference() {
  if ! command -v node >/dev/null; then
    say "node not found: measuring without the reference server"
    return
  fi
  if [ ! -f "$reference" ] || ! grep -q "\"version\": \"$reference_version\"" "$work/reference/node_modules/@modelcontextprotocol/server-everything/package.json"; then
    say "npm install @modelcontextprotocol/server-everything@$reference_version"
    mkdir -p "$work/reference"
    npm install --prefix "$work/reference" --no-audit --no-fund --silent "@modelcontextprotocol/server-everything@$reference_version" >&2
  fi
}

# Our servers as measured end to end: the tool package's IL and, when it was built, Native AOT.
servers() {
  local flag="$1"
  local list=("$flag" "Release IL (tool package)=dotnet src/CycleTokens.Mcp/bin/Release/net10.0/cycletokens.dll --db {db} --account bench")
  [ -x "$work/aot/cycletokens" ] && list+=("$flag" "Native AOT=$work/aot/cycletokens --db {db} --account bench")
  printf '%s\n' "${list[@]}"
}

reference_args() {
  [ -f "$reference" ] && printf '%s\n' --reference "reference: server-everything $reference_version (node)=node $reference stdio"
  return 0
}

startup() {
  say "startup (item 4: cold start)"
  local candidates=(
    --candidate "dotnet run (Debug, dev default)=dotnet run --project src/CycleTokens.Mcp --no-build -- --db {db}"
    --candidate "dotnet cycletokens.dll (Release IL, as in the tool package)=dotnet src/CycleTokens.Mcp/bin/Release/net10.0/cycletokens.dll --db {db}"
    --candidate "ReadyToRun publish=$work/r2r/cycletokens --db {db}"
  )
  [ -x "$work/aot/cycletokens" ] && candidates+=(--candidate "Native AOT publish=$work/aot/cycletokens --db {db}")
  [ -f "$reference" ] && candidates+=(--candidate "reference: server-everything $reference_version (node)=node $reference stdio")
  "${bench[@]}" startup --runs "$runs" --warmups "$warmups" "${candidates[@]}"
}

ledger() {
  say "ledger (items 1 and 2: BenchmarkDotNet in process; seeds are built once into $work/ledger/seed)"
  local extra=()
  [ "$quick" = 1 ] && extra+=(--quick)
  "${bench[@]}" ledger --sizes "$sizes" --work "$work/ledger" "${extra[@]}"
}

reservations() {
  say "reservations (issue 14: a reserve + settle round trip against a plain charge, interleaved, in process)"
  if [ "$quick" = 1 ]; then
    "${bench[@]}" reservations --rounds 5 --block 100 --work "$work/reservations"
  else
    "${bench[@]}" reservations --rounds 20 --block 200 --work "$work/reservations"
  fi
}

hop() {
  say "hop (item 3: tool calls over stdio against the reference's echo)"
  local args
  mapfile -t args < <(servers --candidate; reference_args)
  if [ "$quick" = 1 ]; then
    "${bench[@]}" hop --rounds 5 --batch 100 --warmup 500 --floor-commits 300 "${args[@]}"
  else
    "${bench[@]}" hop --rounds 20 --batch 100 --warmup 2000 --floor-commits 2000 "${args[@]}"
  fi
}

memory() {
  say "memory (item 4: resident memory at idle and after $calls calls)"
  local args
  mapfile -t args < <(servers --candidate; reference_args)
  "${bench[@]}" memory --calls "$calls" "${args[@]}"
}

share() {
  say "share (item 5: processes charging on one file)"
  if [ "$quick" = 1 ]; then
    "${bench[@]}" share --processes 1,2,4 --seconds 2
  else
    "${bench[@]}" share --processes 1,2,4 --seconds 5
  fi
}

# The published server (what the container runs) on a free loopback port, its limits raised so that they measure
# nothing: rate and burst far above what one key sends, room for every idle session.
http() {
  say "http (issue 12: charges over HTTP with 1/16/64 sessions against in process and the reference's echo; memory with idle sessions)"
  local args=(--server "ReadyToRun publish=$work/r2r/cycletokens serve --http http://127.0.0.1:{port} --db {db} --rate-limit 1000000 --rate-burst 1000000 --max-sessions-per-credential 1000")
  [ -f "$reference" ] && args+=(--reference "reference: server-everything $reference_version (node)=PORT={port} node $reference streamableHttp")
  if [ "$quick" = 1 ]; then
    "${bench[@]}" http --sessions 1,16,64 --warmup 1 --seconds 3 --rounds 3 --idle-sessions 200 --settle 2 "${args[@]}"
  else
    "${bench[@]}" http --sessions 1,16,64 --warmup 3 --seconds 15 --rounds 5 --idle-sessions 1000 --settle 3 "${args[@]}"
  fi
}

# SQLite and PostgreSQL side by side, each against the floor of the same rows (issue 13). The PostgreSQL server is a
# throwaway cluster on a Unix socket with PostgreSQL's durable defaults (fsync on, full page writes), started here.
backends() {
  say "backends (issue 13: charges on SQLite and PostgreSQL, distinct and hot accounts, 1/16/64 callers, against the floor)"
  local dir seconds=5
  [ "$quick" = 1 ] && seconds=2
  dir=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-pg.XXXXXX")
  if ! CYCLETOKENS_PG_DURABLE=1 bash tests/postgres/start.sh "$dir" >/dev/null; then
    say "PostgreSQL could not start: measuring SQLite only"
    "${bench[@]}" backends --seconds "$seconds"
    return
  fi
  "${bench[@]}" backends --seconds "$seconds" --postgres "postgresql://postgres@/postgres?host=$dir/socket"
  local status=$?
  bash tests/postgres/stop.sh "$dir"
  return $status
}

# migrate-store of the 100,000-transaction seed: SQLite to SQLite, and into and out of PostgreSQL (the server of
# CYCLETOKENS_TEST_POSTGRES, else a throwaway cluster from tests/postgres/start.sh, stopped after).
migrate() {
  say "migrate (issue 13: migrate-store of a seeded ledger between SQLite and PostgreSQL)"
  local pg_dir="" server="${CYCLETOKENS_TEST_POSTGRES:-}" status=0
  if [ -z "$server" ]; then
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/cycletokens-bench-pg.XXXXXX")
    if bash tests/postgres/start.sh "$pg_dir" >/dev/null; then
      server=$(. "$pg_dir/env" && echo "$CYCLETOKENS_TEST_POSTGRES")
    else
      say "no PostgreSQL cluster: measuring SQLite only"
    fi
  fi
  local args=(--size 100000 --work "$work/ledger")
  [ -n "$server" ] && args+=(--postgres "$server")
  "${bench[@]}" migrate "${args[@]}" || status=$?
  [ -n "$pg_dir" ] && bash tests/postgres/stop.sh "$pg_dir"
  return "$status"
}

for mode in "${modes[@]}"; do
  case "$mode" in
    startup | ledger | reservations | hop | memory | share | http | backends | migrate) ;;
    *)
      echo "unknown mode '$mode' (modes: all startup ledger reservations hop memory share http backends migrate)" >&2
      exit 2
      ;;
  esac
done

build
install_reference
mkdir -p "$work"
{
  echo "# bench/run.sh ${modes[*]}$([ "$quick" = 1 ] && echo ' (QUICK=1)'), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  machine
  for mode in "${modes[@]}"; do
    started=$SECONDS
    # A mode that fails is reported and the others still run.
    "$mode" || echo "($mode failed with exit status $?)"
    echo "($mode: $((SECONDS - started)) s)"
    echo
  done
} | tee "$results"
say "results kept in $results"
