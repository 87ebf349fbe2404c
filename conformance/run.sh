#!/usr/bin/env bash
# XMPP conformance suite: drives real, unmodified clients against ANY XMPP server.
#
#   conformance/run.sh [options] HOST PORT DOMAIN USER1 PASS1 USER2 PASS2
#   XMPP_HOST=... XMPP_PORT=... XMPP_DOMAIN=... XMPP_USER1=... XMPP_PASS1=... XMPP_USER2=... XMPP_PASS2=... \
#   XMPP_CA_CERT=server.pem conformance/run.sh [options]
#
# USER1/USER2 are localparts (joined with DOMAIN) or full bare JIDs. The two accounts must exist; their rosters
# are emptied at the start of each run. XMPP_CA_CERT is a PEM file the clients trust as the server's
# certificate authority (a self-signed server certificate is its own authority).
#
# Options:
#   --insecure         do not verify the server certificate (also XMPP_INSECURE=1)
#   --only REGEX       run only scenarios whose name matches REGEX (also XMPP_ONLY); setup still runs
#   --skip REGEX       skip scenarios whose name matches REGEX (also XMPP_SKIP)
#   --list             list the scenarios and exit
#   --logs DIR         keep per-scenario logs in DIR (also XMPP_LOG_DIR; default: a temp dir, removed on success)
#   --verbose          print every scenario's log, not only failing ones
# Other environment: XMPP_SCENARIO_TIMEOUT (seconds per scenario, default 60), XMPP_WAIT_TIMEOUT (seconds per
# awaited reply, default 15), XMPP_LOG_LEVEL (slixmpp and nbxmpp logging level, default ERROR), XMPP_FINCH=0
# to skip finch, XMPP_ALLOW_PLAINTEXT=1 for a server that accepts unencrypted clients (starttls-required is then
# skipped).
#
# Prints one PASS/FAIL line per scenario and ends with exactly "N passed, N failed"; exits 1 on any failure.
# A scenario exits 0 (PASS), 77 (SKIP: not applicable to this configuration, not counted) or anything else (FAIL).
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
python=/usr/bin/python3

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

list_only=0 verbose=0
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
        --insecure) export XMPP_INSECURE=1 ;;
        --only) XMPP_ONLY="$2"; shift ;;
        --skip) XMPP_SKIP="$2"; shift ;;
        --logs) XMPP_LOG_DIR="$2"; shift ;;
        --list) list_only=1 ;;
        --verbose) verbose=1 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; positional+=("$@"); break ;;
        -*) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
        *) positional+=("$1") ;;
    esac
    shift
done

# name | specification | command (relative to conformance/). Order matters: setup first, then scenarios that
# build on the state left by earlier ones (subscriptions before the roster check, before offline delivery).
scenarios=(
    "roster-cleanup|RFC 6121 2.5, 3.2, 3.3 (setup)|py clients/slixmpp/roster_cleanup.py"
    "login-starttls|RFC 6120 5 STARTTLS, 6 SASL, 7 bind|py clients/slixmpp/login_starttls.py"
    "starttls-required|RFC 6120 5.3.1 TLS mandatory-to-negotiate|py clients/slixmpp/starttls_required.py"
    "tls-untrusted-rejected|RFC 6120 13.7.2 (client side)|py clients/slixmpp/tls_untrusted_rejected.py"
    "sasl-wrong-password|RFC 6120 6.5.10 not-authorized|py clients/slixmpp/sasl_wrong_password.py"
    "subscription-presence|RFC 6121 3.1, 4.2|py clients/slixmpp/subscription_presence.py"
    "roster-get|RFC 6121 2.1.3|py clients/slixmpp/roster_get.py"
    "message-exchange|RFC 6121 5, 8.5|py clients/slixmpp/message_exchange.py"
    "offline-message|XEP-0160, XEP-0203|py clients/slixmpp/offline_message.py"
    "disco-info-domain|XEP-0030|py clients/slixmpp/disco_info.py"
    "ping-server|XEP-0199|py clients/slixmpp/ping_server.py"
    "iq-unknown-namespace|RFC 6120 8.4 service-unavailable|py clients/slixmpp/unknown_iq.py"
    "iq-unavailable-resource|RFC 6121 8.5.3.2|py clients/slixmpp/iq_unavailable_resource.py"
    "sm-resume|XEP-0198 5 resumption after a TCP reset|py clients/slixmpp/sm_resume.py"
    "carbons|XEP-0280 received and sent carbons|py clients/slixmpp/carbons.py"
    "mam-paging|XEP-0313, XEP-0059 paging, XEP-0359|py clients/slixmpp/mam_paging.py"
    "nbxmpp-login-sm|nbxmpp (Gajim): STARTTLS, SCRAM, XEP-0198 enable|py clients/nbxmpp/login_sm.py"
    "nbxmpp-sm-resume|nbxmpp (Gajim): XEP-0198 5 resume after a TCP reset|py clients/nbxmpp/sm_resume.py"
    "nbxmpp-carbons|nbxmpp (Gajim): XEP-0280 received and sent carbons|py clients/nbxmpp/carbons.py"
    "nbxmpp-mam-paging|nbxmpp (Gajim): XEP-0313, XEP-0059 paging|py clients/nbxmpp/mam_paging.py"
    "profanity-chat|Profanity (libstrophe): STARTTLS login, 1:1 chat|sh clients/profanity/run.sh"
    "finch-chat|Finch (libpurple): STARTTLS login, 1:1 chat|sh clients/finch/run.sh"
)

if [ "$list_only" -eq 1 ]; then
    for s in "${scenarios[@]}"; do IFS='|' read -r name spec _ <<<"$s"; printf '%-26s %s\n' "$name" "$spec"; done
    exit 0
fi

if [ "${#positional[@]}" -ne 0 ]; then
    [ "${#positional[@]}" -eq 7 ] || { echo "expected HOST PORT DOMAIN USER1 PASS1 USER2 PASS2" >&2; usage >&2; exit 2; }
    XMPP_HOST="${positional[0]}" XMPP_PORT="${positional[1]}" XMPP_DOMAIN="${positional[2]}"
    XMPP_USER1="${positional[3]}" XMPP_PASS1="${positional[4]}" XMPP_USER2="${positional[5]}" XMPP_PASS2="${positional[6]}"
fi
for v in XMPP_HOST XMPP_PORT XMPP_DOMAIN XMPP_USER1 XMPP_PASS1 XMPP_USER2 XMPP_PASS2; do
    [ -n "${!v:-}" ] || { echo "missing $v (give 7 arguments or set the XMPP_* variables)" >&2; usage >&2; exit 2; }
done
if [ -n "${XMPP_CA_CERT:-}" ]; then
    [ -r "$XMPP_CA_CERT" ] || { echo "XMPP_CA_CERT=$XMPP_CA_CERT is not a readable file" >&2; exit 2; }
    XMPP_CA_CERT="$(cd "$(dirname "$XMPP_CA_CERT")" && pwd)/$(basename "$XMPP_CA_CERT")"
fi
[ -x "$python" ] || { echo "$python is required (python3-slixmpp)" >&2; exit 2; }
command -v timeout >/dev/null || { echo "timeout (coreutils) is required" >&2; exit 2; }

export XMPP_HOST XMPP_PORT XMPP_DOMAIN XMPP_USER1 XMPP_PASS1 XMPP_USER2 XMPP_PASS2
export XMPP_CA_CERT="${XMPP_CA_CERT:-}" XMPP_INSECURE="${XMPP_INSECURE:-0}"
export XMPP_SCENARIO_TIMEOUT="${XMPP_SCENARIO_TIMEOUT:-60}" XMPP_WAIT_TIMEOUT="${XMPP_WAIT_TIMEOUT:-15}"
export XMPP_RUN_ID="${XMPP_RUN_ID:-$(date +%s)-$$}"
export PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

keep_logs=1
if [ -z "${XMPP_LOG_DIR:-}" ]; then
    XMPP_LOG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/xmpp-conformance.XXXXXX")"
    keep_logs=0
fi
mkdir -p "$XMPP_LOG_DIR"
export XMPP_LOG_DIR

echo "XMPP conformance: $XMPP_HOST:$XMPP_PORT domain=$XMPP_DOMAIN users=$XMPP_USER1,$XMPP_USER2" \
     "trust=$([ "$XMPP_INSECURE" = 1 ] && echo 'NONE (insecure)' || echo "${XMPP_CA_CERT:-system CA store}")"

passed=0 failed=0 skipped=0
failed_names=()
for s in "${scenarios[@]}"; do
    IFS='|' read -r name spec cmd <<<"$s"
    if [ "$name" != roster-cleanup ]; then
        if [ -n "${XMPP_ONLY:-}" ] && ! [[ "$name" =~ $XMPP_ONLY ]]; then continue; fi
        if [ -n "${XMPP_SKIP:-}" ] && [[ "$name" =~ $XMPP_SKIP ]]; then continue; fi
    fi
    if [ "$name" = finch-chat ] && [ "${XMPP_FINCH:-1}" = 0 ]; then continue; fi
    read -r kind script <<<"$cmd"
    log="$XMPP_LOG_DIR/$name.log"
    started=$(date +%s.%N)
    # Every scenario is bounded: TERM at the budget, KILL 10 s later. Scripts also bound their own waits.
    case "$kind" in
        py) (cd "$here" && timeout -k 10 "$XMPP_SCENARIO_TIMEOUT" "$python" "$script") </dev/null >"$log" 2>&1 ;;
        sh) (cd "$here" && timeout -k 10 "$((XMPP_SCENARIO_TIMEOUT + 30))" bash "$script") </dev/null >"$log" 2>&1 ;;
    esac
    rc=$?
    elapsed=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    [ "$rc" -eq 124 ] && echo "FAIL: killed after the scenario time budget" >>"$log"
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        printf 'PASS  %-26s %-52s %6ss\n' "$name" "$spec" "$elapsed"
        [ "$verbose" -eq 1 ] && sed 's/^/      | /' "$log"
    elif [ "$rc" -eq 77 ]; then
        skipped=$((skipped + 1))
        printf 'SKIP  %-26s %-52s %6ss  %s\n' "$name" "$spec" "$elapsed" "$(grep -m1 '^SKIP' "$log" | sed 's/^SKIP: *//')"
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        printf 'FAIL  %-26s %-52s %6ss\n' "$name" "$spec" "$elapsed"
        tail -n 25 "$log" | sed 's/^/      | /'
    fi
done

if [ "$failed" -gt 0 ] || [ "$keep_logs" -eq 1 ]; then
    echo "logs: $XMPP_LOG_DIR"
else
    rm -rf "$XMPP_LOG_DIR"
fi
[ "$failed" -gt 0 ] && echo "failed: ${failed_names[*]}"
[ "$skipped" -gt 0 ] && echo "skipped: $skipped (not counted)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
