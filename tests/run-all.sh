#!/usr/bin/env bash
# The project's test command:  bash tests/run-all.sh
#
#   1. installs the Debian packages the tests drive (apt-get, only when one is missing),
#   2. runs every unit and integration test project:  dotnet test XmppServer.sln -c Release,
#   3. runs the conformance suite with real clients against a freshly built server
#      (conformance/run-against-xmppserver.sh),
# and ends with exactly "N passed, N failed" (test counts of both stages). Exits non-zero on any failure.
# Runs unattended (no stdin); every stage is bounded in time (dotnet test 50 min, conformance 25 min).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
repo="$(pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DEBIAN_FRONTEND=noninteractive MSBUILDTERMINALLOGGER=off

work="$(mktemp -d "${TMPDIR:-/tmp}/run-all.XXXXXX")"
trap 'rm -rf "$work"' EXIT

passed=0 failed=0
summary=()
section() { printf '\n==== %s ====\n' "$*"; }
record() {  # STAGE PASSED FAILED NOTE
    passed=$((passed + $2)) failed=$((failed + $3))
    summary+=("$(printf '%-14s %5s passed %5s failed  %s' "$1" "$2" "$3" "${4:-}")")
}
finish() {
    section "summary"
    printf '%s\n' "${summary[@]}"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

# ---- 1. packages -------------------------------------------------------------------------------------------------
# python3-slixmpp brings /usr/bin/python3; openssl makes and inspects certificates for the client scripts.
section "packages"
packages=(python3-slixmpp python3-nbxmpp profanity finch tmux openssl ca-certificates)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "all present: ${packages[*]}"
else
    echo "installing: ${missing[*]}"
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
    installed=0
    for attempt in 1 2; do  # a second try for a mirror that failed once
        if "${sudo[@]}" apt-get update -q </dev/null &&
           "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null; then
            installed=1
            break
        fi
        echo "apt-get attempt $attempt failed"
    done
    if [ "$installed" -eq 1 ]; then
        echo "installed"
    else
        echo "package installation failed; the conformance stage will fail"
        record packages 0 1 "apt-get install ${missing[*]} failed"
    fi
fi

# ---- 2. dotnet test ----------------------------------------------------------------------------------------------
section "dotnet test"
if ! command -v dotnet >/dev/null 2>&1; then
    echo "the .NET SDK (dotnet) is not on PATH"
    record "dotnet test" 0 1 "dotnet not found"
    finish
fi
dotnet --version
timeout -k 30 3000 dotnet test XmppServer.sln -c Release --nologo \
    --blame-hang-timeout 10m --blame-hang-dump-type none \
    --logger "trx;LogFilePrefix=run-all" --results-directory "$work/trx" \
    </dev/null 2>&1 | tee "$work/dotnet-test.log"
rc=${PIPESTATUS[0]}
# One VSTest summary per test assembly: "Passed!  - Failed:     0, Passed:    42, Skipped: ..., Total: ..."
counts="$(grep -Eo '(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+' "$work/dotnet-test.log" |
          awk -F'[:,]' '{ f += $2; p += $4; n++ } END { printf "%d %d %d", p, f, n }')"
read -r t_passed t_failed t_assemblies <<<"$counts"
if [ "$t_assemblies" -eq 0 ]; then
    # No console summaries (another logger took over): count the TRX result files instead.
    for trx in "$work"/trx/*.trx; do
        [ -f "$trx" ] || continue
        t_assemblies=$((t_assemblies + 1))
        t_passed=$((t_passed + $(grep -o '<Counters [^>]*' "$trx" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*' || echo 0)))
        t_failed=$((t_failed + $(grep -o '<Counters [^>]*' "$trx" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*' || echo 0)))
    done
fi
note="$t_assemblies test assemblies"
if [ "$rc" -ne 0 ] && [ "$t_failed" -eq 0 ]; then
    # Build error, crashed or hung test host, or timeout: no failing test to count, so count the stage.
    t_failed=1
    note="$note; dotnet test exited $rc without a failing test (build error, crash or timeout)"
fi
record "dotnet test" "$t_passed" "$t_failed" "$note"
# The fault-injection suite (tests/XmppServer.FaultTests) prints its figures; the TRX files keep the test output.
faults="$(grep -ho 'fault injection: [^<]*' "$work"/trx/*.trx 2>/dev/null | tail -n 1)"
if [ -n "$faults" ]; then
    echo "$faults"
    summary+=("  $faults")
fi

# ---- 3. conformance against our server ---------------------------------------------------------------------------
section "conformance (real clients against XmppServer)"
timeout -k 30 1500 bash conformance/run-against-xmppserver.sh "$repo" </dev/null 2>&1 | tee "$work/conformance.log"
rc=${PIPESTATUS[0]}
line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/conformance.log" | tail -n 1)"
if [ -n "$line" ]; then
    c_passed="${line%% passed*}"
    c_failed="$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed$/\1/' <<<"$line")"
    note=""
else
    c_passed=0 c_failed=0
    note="the suite did not run (see the harness output above)"
fi
if [ "$rc" -ne 0 ] && [ "$c_failed" -eq 0 ]; then
    c_failed=1
    note="${note:-harness exited $rc}"
fi
record conformance "$c_passed" "$c_failed" "$note"

finish
