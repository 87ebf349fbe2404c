#!/usr/bin/env bash
# Profanity (console client on libstrophe), driven in a private tmux server:
#   user1 logs in with Profanity over STARTTLS (tls.policy=force, SCRAM as Profanity chooses it),
#   sends a chat message to user2 (a slixmpp peer logged in as user2 receives it and checks the body),
#   and shows user2's reply (asserted from the tmux pane text).
# Configuration comes from the XMPP_* variables exported by conformance/run.sh.
#
# Trust: Profanity keeps the certificates a user accepted with "/tls always" in $XDG_DATA_HOME/profanity/tlscerts,
# a key file with one group per certificate named by its SHA-1 fingerprint in lowercase hex without colons
# (checked against what "/tls always" writes). We write the same entry for XMPP_CA_CERT, which must therefore be
# the server's own (self-signed) certificate. Without XMPP_CA_CERT the system CA store applies; with
# XMPP_INSECURE=1 the account uses tls.policy=trust (TLS required, certificate not checked).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
conformance="$(cd "$here/../.." && pwd)"
python=/usr/bin/python3
: "${XMPP_HOST:?run through conformance/run.sh}" "${XMPP_PORT:?}" "${XMPP_DOMAIN:?}"
: "${XMPP_USER1:?}" "${XMPP_PASS1:?}" "${XMPP_USER2:?}" "${XMPP_PASS2:?}"
wait_s="${XMPP_WAIT_TIMEOUT:-15}"
budget="${XMPP_SCENARIO_TIMEOUT:-60}"

jid_of() { case "$1" in *@*) printf '%s' "$1" ;; *) printf '%s@%s' "$1" "$XMPP_DOMAIN" ;; esac; }
jid1="$(jid_of "$XMPP_USER1")"
jid2="$(jid_of "$XMPP_USER2")"
say() { printf '  - %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }

for tool in profanity tmux openssl; do
    command -v "$tool" >/dev/null || fail "$tool is not installed"
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/conformance-profanity.XXXXXX")"
sock="$tmp/tmux.sock"
session="conformance-profanity"
peer_pid=""
cleanup() {
    local rc=$?
    # Only the tmux server on our private socket, and only our peer process.
    tmux -S "$sock" kill-server 2>/dev/null || true
    if [ -n "$peer_pid" ]; then kill "$peer_pid" 2>/dev/null || true; wait "$peer_pid" 2>/dev/null || true; fi
    if [ "$rc" -ne 0 ]; then
        echo "--- peer output"; cat "$tmp/peer.out" 2>/dev/null || true
        echo "--- last pane"; cat "$tmp/pane.txt" 2>/dev/null || true
        echo "--- profanity log (tail)"; tail -n 30 "$tmp/data/profanity/logs/profanity.log" 2>/dev/null || true
        if [ -n "${XMPP_LOG_DIR:-}" ]; then
            cp "$tmp/data/profanity/logs/profanity.log" "$XMPP_LOG_DIR/profanity-client.log" 2>/dev/null || true
        fi
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP PIPE

unset TMUX
mkdir -p "$tmp/home" "$tmp/config/profanity" "$tmp/data/profanity" "$tmp/cache"
chmod 700 "$tmp"

# Poll the pane (joined lines plus scrollback) until REGEX shows up; FAIL_REGEX aborts early.
pane() { tmux -S "$sock" capture-pane -p -J -S -500 -t "$session" 2>/dev/null >"$tmp/pane.txt" || true; cat "$tmp/pane.txt"; }
wait_pane() {
    local regex="$1" fail_regex="$2" what="$3" deadline=$((SECONDS + wait_s))
    while [ "$SECONDS" -lt "$deadline" ]; do
        tmux -S "$sock" has-session -t "$session" 2>/dev/null || fail "profanity exited while waiting for $what"
        local text; text="$(pane)"
        grep -Eq -- "$regex" <<<"$text" && return 0
        if [ -n "$fail_regex" ] && grep -Eq -- "$fail_regex" <<<"$text"; then
            fail "profanity reported an error while waiting for $what: $(grep -E -- "$fail_regex" <<<"$text" | tail -n 1)"
        fi
        sleep 0.2
    done
    fail "timed out after ${wait_s}s waiting for $what"
}
wait_peer() {
    local word="$1" what="$2" deadline=$((SECONDS + wait_s))
    while [ "$SECONDS" -lt "$deadline" ]; do
        grep -q "^$word" "$tmp/peer.out" 2>/dev/null && return 0
        grep -q '^FAIL' "$tmp/peer.out" 2>/dev/null && fail "peer: $(grep '^FAIL' "$tmp/peer.out")"
        kill -0 "$peer_pid" 2>/dev/null || fail "peer exited before $what"
        sleep 0.2
    done
    fail "timed out after ${wait_s}s waiting for $what"
}
type_line() {  # literal text, then Enter
    tmux -S "$sock" send-keys -t "$session" -l -- "$1"
    tmux -S "$sock" send-keys -t "$session" Enter
}

# --- trust -----------------------------------------------------------------------------------------------------
tls_policy=force
if [ "${XMPP_INSECURE:-0}" = 1 ]; then
    tls_policy=trust
    say "insecure mode: tls.policy=trust"
elif [ -n "${XMPP_CA_CERT:-}" ]; then
    fp="$(openssl x509 -in "$XMPP_CA_CERT" -noout -fingerprint -sha1 | sed 's/^.*=//; s/://g' | tr 'A-F' 'a-f')"
    field() { openssl x509 -in "$XMPP_CA_CERT" -noout "$@" | sed 's/^[^=]*=//'; }
    {
        printf '[%s]\n' "$fp"
        printf 'version=%s\n' "$(openssl x509 -in "$XMPP_CA_CERT" -noout -text | sed -n 's/^ *Version: \([0-9]*\).*/\1/p' | head -n 1)"
        printf 'serialnumber=%s\n' "$(field -serial)"
        printf 'subjectname=%s\n' "$(openssl x509 -in "$XMPP_CA_CERT" -noout -subject -nameopt compat | sed 's/^subject=//')"
        printf 'issuername=%s\n' "$(openssl x509 -in "$XMPP_CA_CERT" -noout -issuer -nameopt compat | sed 's/^issuer=//')"
        printf 'start=%s\n' "$(field -startdate)"
        printf 'end=%s\n' "$(field -enddate)"
        printf 'keyalg=%s\n' "$(openssl x509 -in "$XMPP_CA_CERT" -noout -text | sed -n 's/^ *Public Key Algorithm: //p' | head -n 1)"
        printf 'signaturealg=%s\n' "$(openssl x509 -in "$XMPP_CA_CERT" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -n 1)"
    } >"$tmp/data/profanity/tlscerts"
    chmod 600 "$tmp/data/profanity/tlscerts"
    say "trusting certificate sha1 $fp (tlscerts entry, as '/tls always' writes it)"
fi

# --- account ---------------------------------------------------------------------------------------------------
resource="conformance-profanity"
cat >"$tmp/data/profanity/accounts" <<EOF
[$jid1]
enabled=true
jid=$jid1
resource=$resource
server=$XMPP_HOST
port=$XMPP_PORT
tls.policy=$tls_policy
password=$XMPP_PASS1
presence.login=online
EOF
chmod 600 "$tmp/data/profanity/accounts"
: >"$tmp/config/profanity/profrc"

# --- peer (user2, slixmpp) ---------------------------------------------------------------------------------------
token="$(date +%s)$RANDOM"
to_peer="conformance-profanity-to-user2-$token"
from_peer="conformance-user2-to-profanity-$token"
(cd "$conformance/clients/slixmpp" && PYTHONDONTWRITEBYTECODE=1 XMPP_SCENARIO_TIMEOUT="$budget" \
    exec "$python" chat_peer.py --expect "$to_peer" --reply "$from_peer" --linger "$budget") \
    </dev/null >"$tmp/peer.out" 2>&1 &
peer_pid=$!
wait_peer READY "the slixmpp peer to log in as $jid2"
say "peer $(grep '^READY' "$tmp/peer.out" | cut -d' ' -f2) online"

# --- profanity -------------------------------------------------------------------------------------------------
tmux -S "$sock" new-session -d -s "$session" -x 220 -y 50 \
    env -i PATH="$PATH" LANG=C.UTF-8 TERM=xterm-256color HOME="$tmp/home" \
        XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache" \
        profanity -l DEBUG -a "$jid1"
login_errors='Login failed|TLS certificate verification failed|Connection failed|Lost connection'
wait_pane "$jid1/$resource logged in successfully" "$login_errors" "profanity to log in as $jid1"
say "profanity logged in as $jid1/$resource"

type_line "/msg $jid2 $to_peer"
wait_peer RECEIVED "user2 to receive the message from profanity"
say "user2 received profanity's message from $(grep '^RECEIVED' "$tmp/peer.out" | cut -d' ' -f2)"
case "$(grep '^RECEIVED' "$tmp/peer.out" | cut -d' ' -f2)" in
    "$jid1/$resource") ;;
    *) fail "the message reached user2 from an unexpected address" ;;
esac

wait_peer REPLIED "user2 to reply"
wait_pane "$from_peer" "" "user2's reply in profanity's chat window"
say "profanity shows user2's reply"

type_line "/quit"
deadline=$((SECONDS + 10))
while tmux -S "$sock" has-session -t "$session" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
echo OK
