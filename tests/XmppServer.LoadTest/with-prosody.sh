#!/usr/bin/env bash
# Runs the load tool against a throwaway Prosody: own config, data, certificate and logs in a temporary directory,
# a background process on a free high port (never the system service), accounts user1..userN with password "pass".
#
#   tests/XmppServer.LoadTest/with-prosody.sh SCENARIO [load tool options]
#
# The accounts are as many as --users asks for (default 1000; set ACCOUNTS to override). Only user1 is registered
# through prosodyctl; the others get a copy of its stored SCRAM keys: StoredKey and ServerKey depend on the password,
# salt and iteration count only, not on the user name, so each copy is a valid account with the same password.
# The tool gets --port, --ca and --server-pid; add --direct-tls to use Prosody's direct TLS port instead of STARTTLS.
# KEEP_TMP=1 keeps the directory (config, logs). PROSODY_EXTRA_CONFIG adds Lua lines to the global section.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
domain="localhost"
log() { printf '[with-prosody] %s\n' "$*" >&2; }
command -v prosody >/dev/null && command -v prosodyctl >/dev/null || { log "install prosody (apt-get install prosody)"; exit 2; }
command -v openssl >/dev/null || { log "openssl is required"; exit 2; }

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
port="$(free_port 25222)" || { log "no free port"; exit 2; }
tls_port="$(free_port $((port + 1)))" || { log "no free port"; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/prosody-load.XXXXXX")"
prosody_pid=""
cleanup() {
    if [ -n "$prosody_pid" ] && kill -0 "$prosody_pid" 2>/dev/null; then
        kill "$prosody_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$prosody_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$prosody_pid" 2>/dev/null || true
    fi
    if [ "${KEEP_TMP:-0}" = 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
mkdir -p "$tmp/data" "$tmp/certs"
chmod 700 "$tmp"

openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=$domain" \
    -addext "subjectAltName=DNS:$domain,DNS:*.$domain,IP:127.0.0.1" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$tmp/cert.key" -out "$tmp/cert.pem" >/dev/null 2>&1
# The direct TLS port finds its certificate by name in the certificates directory, not in the VirtualHost.
cp "$tmp/cert.pem" "$tmp/certs/$domain.crt"
cp "$tmp/cert.key" "$tmp/certs/$domain.key"

run_as_root=false
[ "$(id -u)" -eq 0 ] && run_as_root=true
# Warnings only: debug logging of every stanza would make the log the bottleneck.
cat >"$tmp/prosody.cfg.lua" <<CFG
run_as_root = $run_as_root
pidfile = "$tmp/prosody.pid"
data_path = "$tmp/data"
log = { warn = "$tmp/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $port }
c2s_direct_tls_ports = { $tls_port }
s2s_ports = { }
certificates = "$tmp/certs"
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "offline" }
modules_disabled = { "s2s" }
c2s_require_encryption = true
authentication = "internal_hashed"
storage = "internal"
${PROSODY_EXTRA_CONFIG:-}
VirtualHost "$domain"
    ssl = { certificate = "$tmp/cert.pem"; key = "$tmp/cert.key" }
CFG

log "creating $accounts accounts"
prosodyctl --config "$tmp/prosody.cfg.lua" register user1 "$domain" pass </dev/null >/dev/null
accounts_dir="$tmp/data/$domain/accounts"
for ((n = 2; n <= accounts; n++)); do cp "$accounts_dir/user1.dat" "$accounts_dir/user$n.dat"; done

log "starting prosody on 127.0.0.1:$port (direct TLS $tls_port)"
prosody --config "$tmp/prosody.cfg.lua" -F </dev/null >"$tmp/prosody.out" 2>&1 &
prosody_pid=$!
for _ in $(seq 1 150); do
    port_open "$port" && break
    kill -0 "$prosody_pid" 2>/dev/null || { log "prosody exited:"; cat "$tmp/prosody.out" >&2; exit 1; }
    sleep 0.2
done
port_open "$port" || { log "prosody did not open port $port"; exit 1; }

target_port="$port"
[ "$direct" -eq 1 ] && target_port="$tls_port"
trust=(--ca "$tmp/cert.pem")
for a in "$@"; do [ "$a" = "--insecure" ] && trust=(); done
rc=0
dotnet run -c Release --project "$here" -- "$@" --port "$target_port" --domain "$domain" \
    ${trust[@]+"${trust[@]}"} --server-pid "$prosody_pid" || rc=$?
if [ -s "$tmp/prosody.log" ]; then
    log "prosody warnings (last 5 lines):"
    tail -n 5 "$tmp/prosody.log" >&2
fi
exit "$rc"
