#!/usr/bin/env bash
# Runs the load tool against XmppServer from this repository: a Release build, started on a free high loopback port
# with a throwaway data directory, accounts user1..userN with password "pass" (user add-many), stopped by PID after.
#
#   tests/XmppServer.LoadTest/with-xmppserver.sh SCENARIO [load tool options]
#
# The accounts are as many as --users asks for (default 1000; set ACCOUNTS to override). The tool gets --port,
# --ca (the server's self-signed DATA/certificate.pem) and --server-pid; add --direct-tls to use the direct TLS port.
# XMPPSERVER_SKIP_BUILD=1 uses the existing Release build; KEEP_TMP=1 keeps the data directory and the server log;
# XMPPSERVER_EXTRA_ARGS adds server settings (e.g. "--Xmpp:Limits:MaxStanzaBytes=65536").
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
project="$repo/src/XmppServer/XmppServer.csproj"
domain="localhost"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log() { printf '[with-xmppserver] %s\n' "$*" >&2; }

accounts="${ACCOUNTS:-}"
direct=0
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[$i]}" in
        --users) [ -n "$accounts" ] || accounts="${args[$((i + 1))]}" ;;
        --direct-tls) direct=1 ;;
    esac
done
accounts="${accounts:-1000}"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local p
    for p in $(seq "$1" $(($1 + 200))); do port_open "$p" || { echo "$p"; return 0; }; done
    return 1
}
port="$(free_port 35222)" || { log "no free port"; exit 2; }
tls_port="$(free_port $((port + 1)))" || { log "no free port"; exit 2; }

if [ "${XMPPSERVER_SKIP_BUILD:-0}" != 1 ]; then
    log "building $project (Release)"
    timeout 900 dotnet build "$project" -c Release -nologo -v quiet </dev/null >&2 || { log "build failed"; exit 1; }
fi
dll="$(ls -1 "$repo"/src/XmppServer/bin/Release/*/XmppServer.dll 2>/dev/null | head -n 1 || true)"
[ -n "$dll" ] || { log "no Release build of XmppServer.dll"; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/xmppserver-load.XXXXXX")"
data="$tmp/data"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    if [ "${KEEP_TMP:-0}" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
mkdir -p "$data"

settings=(
    "--Xmpp:DataDirectory=$data"
    "--Xmpp:Domains:0=$domain"
    "--Xmpp:Listen:Address=127.0.0.1"
    "--Xmpp:Listen:C2sPort=$port"
    "--Xmpp:Listen:C2sTlsPort=$tls_port"
    "--Xmpp:Listen:S2sPort=0"
    "--Xmpp:Listen:HttpPort=0"
)
# shellcheck disable=SC2206 # word splitting of the extra settings is intended
extra=(${XMPPSERVER_EXTRA_ARGS:-})

log "creating $accounts accounts"
(cd "$tmp" && timeout 300 dotnet "$dll" user add-many "$domain" user "$accounts" --password pass "${settings[@]}") \
    </dev/null >"$tmp/user-add.log" 2>&1 || { log "user add-many failed:"; cat "$tmp/user-add.log" >&2; exit 1; }

log "starting XmppServer on 127.0.0.1:$port (direct TLS $tls_port)"
(cd "$tmp" && exec dotnet "$dll" "${settings[@]}" ${extra[@]+"${extra[@]}"}) </dev/null >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
    port_open "$port" && [ -s "$data/certificate.pem" ] && break
    kill -0 "$server_pid" 2>/dev/null || { log "the server exited at start:"; tail -n 40 "$tmp/server.log" >&2; exit 1; }
    sleep 0.2
done
port_open "$port" || { log "the server did not open port $port"; tail -n 40 "$tmp/server.log" >&2; exit 1; }

target_port="$port"
[ "$direct" -eq 1 ] && target_port="$tls_port"
trust=(--ca "$data/certificate.pem")
for a in "$@"; do [ "$a" = "--insecure" ] && trust=(); done
rc=0
dotnet run -c Release --project "$here" -- "$@" --port "$target_port" --domain "$domain" \
    ${trust[@]+"${trust[@]}"} --server-pid "$server_pid" || rc=$?
if grep -qE '(fail|crit):' "$tmp/server.log"; then
    log "server errors (last 5):"
    grep -E '(fail|crit):' "$tmp/server.log" | tail -n 5 >&2
fi
exit "$rc"
