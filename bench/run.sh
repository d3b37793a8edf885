#!/usr/bin/env bash
# End-to-end benchmarks of the built server; never part of `dotnet test` or CI. See docs/benchmarks.md.
#
#   bench/run.sh [MODE] [BENCH OPTIONS...]     MODE: startup (default)
#
# Builds and publishes what is measured into artifacts/bench/, installs the reference server from npm there, prints
# the machine, then runs the bench tool. Environment: RUNS (20), WARMUPS (2), SKIP_AOT=1, REFERENCE_VERSION.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

mode="${1:-startup}"
[ $# -gt 0 ] && shift
work=artifacts/bench
runs="${RUNS:-20}"
warmups="${WARMUPS:-2}"
# The official TypeScript "everything" server, pinned so runs compare.
reference_version="${REFERENCE_VERSION:-2026.8.31}"
reference="$work/reference/node_modules/@modelcontextprotocol/server-everything/dist/index.js"

say() { echo "== $*" >&2; }

machine() {
  echo "Machine:"
  echo "- CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "- OS: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "- .NET SDK $(dotnet --version), runtime $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ { v = $2 } END { print v }')"
  echo "- node $(node --version 2>/dev/null || echo 'not installed')"
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

startup() {
  local candidates=(
    --candidate "dotnet run (Debug, dev default)=dotnet run --project src/CycleTokens.Mcp --no-build -- --db {db}"
    --candidate "dotnet cycletokens.dll (Release IL, as in the tool package)=dotnet src/CycleTokens.Mcp/bin/Release/net10.0/cycletokens.dll --db {db}"
    --candidate "ReadyToRun publish=$work/r2r/cycletokens --db {db}"
  )
  [ -x "$work/aot/cycletokens" ] && candidates+=(--candidate "Native AOT publish=$work/aot/cycletokens --db {db}")
  [ -f "$reference" ] && candidates+=(--candidate "reference: server-everything $reference_version (node)=node $reference stdio")
  machine
  dotnet bench/CycleTokens.Bench/bin/Release/net10.0/cycletokens-bench.dll startup --runs "$runs" --warmups "$warmups" "${candidates[@]}" "$@"
}

case "$mode" in
  startup)
    build
    install_reference
    startup "$@"
    ;;
  *)
    echo "unknown mode '$mode' (modes: startup)" >&2
    exit 2
    ;;
esac
