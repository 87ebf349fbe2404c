#!/usr/bin/env bash
# Runs the conformance suite against a throwaway Prosody (the reference server), to prove the suite itself.
#
#   conformance/run-against-prosody.sh [extra run.sh options]
#
# Prosody runs as a plain background process from a temporary directory (own config, data, pid file, log and
# self-signed certificate); it is never started as a system service. Environment:
#   PROSODY_C2S_PORT   c2s port (default: the first free port from 15222)
#   KEEP_TMP=1         keep the temporary directory (config, logs) for inspection
#   PROSODY_EXTRA_CONFIG  Lua lines appended to the global section, e.g. to check that a scenario fails when
#                      the feature it tests is off: PROSODY_EXTRA_CONFIG='modules_disabled = { "offline" }'
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
domain="localhost"
user1="confuser1" pass1="conf-pass-1-$RANDOM"
user2="confuser2" pass2="conf-pass-2-$RANDOM"

log() { printf '[prosody-harness] %s\n' "$*" >&2; }

install_prosody() {
    command -v prosody >/dev/null 2>&1 && command -v prosodyctl >/dev/null 2>&1 && return 0
    [ "$(id -u)" -eq 0 ] || { log "prosody is missing and we are not root: apt-get install prosody"; exit 2; }
    log "installing prosody"
    # Keep the package's postinst from starting a system-wide Prosody: we only want our own process.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
    fi
    local rc=0
    { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prosody; } </dev/null >&2 || rc=$?
    [ "$created_policy" -eq 1 ] && rm -f "$policy"
    return "$rc"
}

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

install_prosody
command -v openssl >/dev/null || { log "openssl is required"; exit 2; }
if [ -n "${PROSODY_C2S_PORT:-}" ]; then
    port="$PROSODY_C2S_PORT"
    if port_open "$port"; then log "port $port (PROSODY_C2S_PORT) is already in use"; exit 2; fi
else
    # The first free port from 15222 on, so that a busy default does not fail the run.
    port=""
    for candidate in $(seq 15222 $((15222 + 40))); do
        port_open "$candidate" || { port="$candidate"; break; }
    done
    [ -n "$port" ] || { log "no free port in 15222..$((15222 + 40))"; exit 2; }
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/prosody-conformance.XXXXXX")"
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

# A self-signed certificate that is its own trust anchor (CA:TRUE), naming the domain and the loopback address.
openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=$domain" \
    -addext "subjectAltName=DNS:$domain,DNS:*.$domain,IP:127.0.0.1" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$tmp/cert.key" -out "$tmp/cert.pem" >/dev/null 2>&1

# Stream management, carbons and the message archive, where this Prosody build has them (the sm-resume, carbons
# and mam-paging scenarios check the server's capabilities and SKIP otherwise).
extra_modules=""
moddir=/usr/lib/prosody/modules  # the Debian package's module directory
for m in smacks carbons mam; do
    if [ -e "$moddir/mod_$m.lua" ] || [ -e "$moddir/mod_$m/mod_$m.lua" ]; then
        extra_modules="$extra_modules\"$m\", "
    fi
done
extra_modules="${extra_modules%, }"

run_as_root=false
[ "$(id -u)" -eq 0 ] && run_as_root=true
cat >"$tmp/prosody.cfg.lua" <<EOF
-- Throwaway configuration written by conformance/run-against-prosody.sh
run_as_root = $run_as_root
pidfile = "$tmp/prosody.pid"
data_path = "$tmp/data"
log = { debug = "$tmp/prosody.log"; error = "$tmp/prosody.err" }
interfaces = { "127.0.0.1" }
c2s_ports = { $port }
c2s_direct_tls_ports = { }
s2s_ports = { }
certificates = "$tmp/certs"
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "offline", "posix", $extra_modules }
modules_disabled = { "s2s" }
c2s_require_encryption = true
authentication = "internal_hashed"
storage = "internal"
${PROSODY_EXTRA_CONFIG:-}
VirtualHost "$domain"
    ssl = { certificate = "$tmp/cert.pem"; key = "$tmp/cert.key" }
EOF

log "creating users $user1@$domain and $user2@$domain"
prosodyctl --config "$tmp/prosody.cfg.lua" register "$user1" "$domain" "$pass1" </dev/null >/dev/null
prosodyctl --config "$tmp/prosody.cfg.lua" register "$user2" "$domain" "$pass2" </dev/null >/dev/null

log "starting prosody on 127.0.0.1:$port"
prosody --config "$tmp/prosody.cfg.lua" -F </dev/null >"$tmp/prosody.out" 2>&1 &
prosody_pid=$!

for _ in $(seq 1 150); do
    port_open "$port" && break
    kill -0 "$prosody_pid" 2>/dev/null || { log "prosody exited early:"; cat "$tmp/prosody.out" "$tmp/prosody.err" >&2 2>/dev/null; exit 1; }
    sleep 0.2
done
port_open "$port" || { log "prosody did not open port $port within 30 s"; exit 1; }

rc=0
XMPP_CA_CERT="$tmp/cert.pem" bash "$here/run.sh" "$@" 127.0.0.1 "$port" "$domain" \
    "$user1" "$pass1" "$user2" "$pass2" || rc=$?
exit "$rc"
