#!/usr/bin/env bash
# Finch (the console client on libpurple, Pidgin's core), driven in a private tmux server:
#   user1 logs in with Finch over STARTTLS (connection_security=require_tls), which a slixmpp peer logged in as
#   user2 sees by pinging Finch's full JID until Finch itself answers; Finch sends user2 a message through its
#   menus (F10 > Send IM), the peer checks the body and replies, and the reply is asserted from the pane text.
# Configuration comes from the XMPP_* variables exported by conformance/run.sh.
#
# Trust: libpurple keeps certificates a user accepted under <purple dir>/certificates/x509/tls_peers/, one PEM
# file named after the host it connected to (the connect host, not the XMPP domain). We put XMPP_CA_CERT there,
# which must therefore be the server's own (self-signed) certificate. Without XMPP_CA_CERT the system CA store
# applies. With XMPP_INSECURE=1 we pin whatever certificate the server presents (fetched with openssl s_client).
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
resource="conformance-finch"
say() { printf '  - %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }
xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e "s/'/\&apos;/g" -e 's/"/\&quot;/g' <<<"$1"; }

for tool in finch tmux openssl; do
    command -v "$tool" >/dev/null || fail "$tool is not installed"
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/conformance-finch.XXXXXX")"
sock="$tmp/tmux.sock"
session="conformance-finch"
purple="$tmp/purple"
peer_pid=""
cleanup() {
    local rc=$?
    # Only the tmux server on our private socket, and only our peer process.
    tmux -S "$sock" kill-server 2>/dev/null || true
    if [ -n "$peer_pid" ]; then kill "$peer_pid" 2>/dev/null || true; wait "$peer_pid" 2>/dev/null || true; fi
    if [ "$rc" -ne 0 ]; then
        echo "--- peer output"; cat "$tmp/peer.out" 2>/dev/null || true
        echo "--- last pane"; cat "$tmp/pane.txt" 2>/dev/null || true
        echo "--- finch stderr (tail)"; tail -n 20 "$tmp/finch.err" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP PIPE

unset TMUX
mkdir -p "$tmp/home" "$purple/certificates/x509/tls_peers"
chmod 700 "$tmp" "$purple"

pane() { tmux -S "$sock" capture-pane -p -J -t "$session" 2>/dev/null >"$tmp/pane.txt" || true; cat "$tmp/pane.txt"; }
wait_pane() {
    local regex="$1" fail_regex="$2" what="$3" deadline=$((SECONDS + wait_s))
    while [ "$SECONDS" -lt "$deadline" ]; do
        tmux -S "$sock" has-session -t "$session" 2>/dev/null || fail "finch exited while waiting for $what"
        local text; text="$(pane)"
        grep -Eq -- "$regex" <<<"$text" && return 0
        if [ -n "$fail_regex" ] && grep -Eq -- "$fail_regex" <<<"$text"; then
            fail "finch shows an error while waiting for $what: $(grep -E -- "$fail_regex" <<<"$text" | tail -n 1)"
        fi
        sleep 0.2
    done
    fail "timed out after ${wait_s}s waiting for $what"
}
wait_peer() {  # WORD WHAT [PANE_FAIL_REGEX]
    local word="$1" what="$2" pane_fail="${3:-}" deadline=$((SECONDS + wait_s + 5))
    while [ "$SECONDS" -lt "$deadline" ]; do
        grep -q "^$word" "$tmp/peer.out" 2>/dev/null && return 0
        if [ -n "$pane_fail" ] && pane | grep -Eq -- "$pane_fail"; then
            fail "finch shows an error while waiting for $what: $(grep -Eo -- "$pane_fail" "$tmp/pane.txt" | head -n 1)"
        fi
        grep -q '^FAIL' "$tmp/peer.out" 2>/dev/null && fail "peer: $(grep '^FAIL' "$tmp/peer.out")"
        kill -0 "$peer_pid" 2>/dev/null || fail "peer exited before $what"
        sleep 0.2
    done
    fail "timed out waiting for $what"
}
keys() { tmux -S "$sock" send-keys -t "$session" "$@"; }
text() { tmux -S "$sock" send-keys -t "$session" -l -- "$1"; }

# --- trust -----------------------------------------------------------------------------------------------------
pinned="$purple/certificates/x509/tls_peers/$XMPP_HOST"
if [ "${XMPP_INSECURE:-0}" = 1 ]; then
    openssl s_client -connect "$XMPP_HOST:$XMPP_PORT" -starttls xmpp -xmpphost "$XMPP_DOMAIN" </dev/null 2>/dev/null \
        | openssl x509 >"$pinned" || fail "could not fetch the server certificate with openssl s_client"
    say "insecure mode: pinned the certificate the server presented"
elif [ -n "${XMPP_CA_CERT:-}" ]; then
    openssl x509 -in "$XMPP_CA_CERT" >"$pinned"
    say "trusting $(openssl x509 -in "$pinned" -noout -subject) as tls_peers/$XMPP_HOST"
fi

# --- account: enabled for Finch's UI ('gnt-purple'), so it logs in at start --------------------------------------
cat >"$purple/accounts.xml" <<EOF
<?xml version='1.0' encoding='UTF-8' ?>
<account version='1.0'>
 <account>
  <protocol>prpl-jabber</protocol>
  <name>$(xml_escape "$jid1/$resource")</name>
  <password>$(xml_escape "$XMPP_PASS1")</password>
  <settings>
   <setting name='connect_server' type='string'>$(xml_escape "$XMPP_HOST")</setting>
   <setting name='port' type='int'>$XMPP_PORT</setting>
   <setting name='connection_security' type='string'>require_tls</setting>
   <setting name='auth_plain_in_clear' type='bool'>0</setting>
  </settings>
  <settings ui='gnt-purple'>
   <setting name='auto-login' type='bool'>1</setting>
  </settings>
 </account>
</account>
EOF
chmod 600 "$purple/accounts.xml"

# --- peer (user2, slixmpp) ---------------------------------------------------------------------------------------
# Short bodies: Finch wraps long lines inside its own windows, which would split them in the pane text.
token="$RANDOM$RANDOM"
to_peer="f2p-$token"
from_peer="p2f-$token"
(cd "$conformance/clients/slixmpp" && PYTHONDONTWRITEBYTECODE=1 XMPP_SCENARIO_TIMEOUT="$budget" \
    exec "$python" chat_peer.py --expect "$to_peer" --reply "$from_peer" --linger "$budget" \
        --wait-online "$jid1/$resource") \
    </dev/null >"$tmp/peer.out" 2>&1 &
peer_pid=$!
wait_peer READY "the slixmpp peer to log in as $jid2"
say "peer $(grep '^READY' "$tmp/peer.out" | cut -d' ' -f2) online"

# --- finch -----------------------------------------------------------------------------------------------------
tmux -S "$sock" new-session -d -s "$session" -x 200 -y 50 \
    "env -i PATH='$PATH' LANG=C.UTF-8 TERM=xterm-256color HOME='$tmp/home' finch -c '$purple' 2>'$tmp/finch.err'"
wait_pane "Buddy List" "" "finch's buddy list"
wait_peer ONLINE "finch to log in as $jid1/$resource" \
    'Certificate Verification|Not Authorized|Authentication Failure|[Dd]isconnected|Connection error'
say "finch logged in as $jid1/$resource (it answers pings at that address)"

keys F10
wait_pane "Send IM" "" "the buddy list menu"
keys s
wait_pane "New Instant Message" "" "the Send IM dialog"
text "$jid2"
keys Tab Enter
wait_pane "$jid2 \\($jid1/$resource" "" "the conversation window with $jid2"
text "$to_peer"
keys Enter
wait_peer RECEIVED "user2 to receive finch's message"
case "$(grep '^RECEIVED' "$tmp/peer.out" | cut -d' ' -f2)" in
    "$jid1/$resource") ;;
    *) fail "the message reached user2 from an unexpected address: $(grep '^RECEIVED' "$tmp/peer.out")" ;;
esac
say "user2 received finch's message from $jid1/$resource"

wait_peer REPLIED "user2 to reply"
wait_pane "$from_peer" "" "user2's reply in finch's conversation window"
say "finch shows user2's reply"
echo OK
