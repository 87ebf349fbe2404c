#!/usr/bin/env bash
# Builds XmppServer, starts it on loopback with a throwaway data directory, creates two accounts, runs the
# conformance suite against it, stops it by PID, and exits with the suite's status.
#
#   conformance/run-against-xmppserver.sh [REPO_ROOT] [extra run.sh options]
#
# REPO_ROOT defaults to the repository this script lives in. Environment:
#   XMPPSERVER_C2S_PORT     c2s (STARTTLS) port (default: the first free port from 25222)
#   XMPPSERVER_SKIP_BUILD=1 use the existing Release build
#   KEEP_TMP=1              keep the data directory and server log for inspection
# The server makes its own self-signed certificate in the data directory (certificate.pem); the clients trust
# exactly that file (XMPP_CA_CERT).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    repo="$(cd "$1" && pwd)"
    shift
fi
domain="localhost"
user1="conformance1" pass1="conf-pass-1-$RANDOM$RANDOM"
user2="conformance2" pass2="conf-pass-2-$RANDOM$RANDOM"
project="$repo/src/XmppServer/XmppServer.csproj"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '[xmppserver-harness] %s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

command -v dotnet >/dev/null || { log "dotnet is not installed"; exit 2; }
[ -f "$project" ] || { log "$project not found (is $repo the repository root?)"; exit 2; }
if [ -n "${XMPPSERVER_C2S_PORT:-}" ]; then
    port="$XMPPSERVER_C2S_PORT"
    if port_open "$port"; then log "port $port (XMPPSERVER_C2S_PORT) is already in use"; exit 2; fi
else
    # The first free port from 25222 on, so that a busy default does not fail the run.
    port=""
    for candidate in $(seq 25222 $((25222 + 40))); do
        port_open "$candidate" || { port="$candidate"; break; }
    done
    [ -n "$port" ] || { log "no free port in 25222..$((25222 + 40))"; exit 2; }
fi

if [ "${XMPPSERVER_SKIP_BUILD:-0}" != 1 ]; then
    log "building $project (Release)"
    timeout 900 dotnet build "$project" -c Release -nologo -v quiet </dev/null >&2 || { log "build failed"; exit 1; }
fi
dll="$(ls -1 "$repo"/src/XmppServer/bin/Release/*/XmppServer.dll 2>/dev/null | head -n 1 || true)"
[ -n "$dll" ] || { log "no Release build of XmppServer.dll under src/XmppServer/bin/Release"; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/xmppserver-conformance.XXXXXX")"
data="$tmp/data"
server_pid=""
stop_server() {
    [ -n "$server_pid" ] || return 0
    if kill -0 "$server_pid" 2>/dev/null; then
        log "stopping the server (pid $server_pid)"
        kill -TERM "$server_pid" 2>/dev/null || true
        # The host shuts down gracefully (ShutdownTimeout); give it a little longer before KILL.
        for _ in $(seq 1 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$server_pid" 2>/dev/null; then
            log "the server did not stop within 15 s; killing it"
            kill -KILL "$server_pid" 2>/dev/null || true
        fi
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}
cleanup() {
    stop_server
    if [ "${KEEP_TMP:-0}" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
mkdir -p "$data"

# Same settings for the user verbs and the server: both must see the same data directory and domain.
settings=(
    "--Xmpp:DataDirectory=$data"
    "--Xmpp:Domains:0=$domain"
    "--Xmpp:Listen:Address=127.0.0.1"
    "--Xmpp:Listen:C2sPort=$port"
    "--Xmpp:Listen:C2sTlsPort=0"
    "--Xmpp:Listen:S2sPort=0"
    "--Xmpp:Listen:HttpPort=0"
)

log "creating $user1@$domain and $user2@$domain"
for pair in "$user1:$pass1" "$user2:$pass2"; do
    (cd "$tmp" && timeout 120 dotnet "$dll" user add "${pair%%:*}@$domain" --password "${pair#*:}" "${settings[@]}") \
        </dev/null >"$tmp/user-add.log" 2>&1 || { log "user add ${pair%%:*}@$domain failed:"; cat "$tmp/user-add.log" >&2; exit 1; }
done

log "starting XmppServer on 127.0.0.1:$port"
(cd "$tmp" && exec dotnet "$dll" "${settings[@]}") </dev/null >"$tmp/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 300); do
    port_open "$port" && [ -s "$data/certificate.pem" ] && break
    kill -0 "$server_pid" 2>/dev/null || { log "the server exited at start:"; tail -n 40 "$tmp/server.log" >&2; exit 1; }
    sleep 0.2
done
port_open "$port" || { log "the server did not open port $port within 60 s"; tail -n 40 "$tmp/server.log" >&2; exit 1; }
[ -s "$data/certificate.pem" ] || { log "no certificate at $data/certificate.pem"; exit 1; }

rc=0
XMPP_CA_CERT="$data/certificate.pem" bash "$here/run.sh" "$@" 127.0.0.1 "$port" "$domain" \
    "$user1" "$pass1" "$user2" "$pass2" || rc=$?
if [ "$rc" -ne 0 ]; then
    log "server log (tail):"
    tail -n 60 "$tmp/server.log" | sed 's/^/    /' >&2
fi
stop_server
exit "$rc"
