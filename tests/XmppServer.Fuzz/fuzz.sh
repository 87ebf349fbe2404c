#!/usr/bin/env bash
# Fuzzes the XMPP stream parser with AFL++ and SharpFuzz for a set time, then reports and replays the findings.
#
#   tests/XmppServer.Fuzz/fuzz.sh [--minutes N] [--resume] [--out DIR]
#
#   --minutes N   how long afl-fuzz runs (default 10)
#   --resume      start from corpus/ plus the queue the previous run built, instead of corpus/ alone
#   --out DIR     working directory (default tests/XmppServer.Fuzz/out, ignored by git)
#
# Installs afl++ (Debian) when afl-fuzz is missing and the SharpFuzz command line tool from the repository's tool
# manifest, publishes the target twice (one copy with XmppServer.Protocol.dll instrumented for afl-fuzz, one plain
# copy for replaying), runs afl-fuzz under `nice -n 19`, prints executions, crashes and hangs from fuzzer_stats,
# appends them to DIR/runs.log, and replays every crash and hang through the plain target. Exits non-zero when a
# finding still fails on replay.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
minutes=10
resume=0
out="$here/out"
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes="$2"; shift 2 ;;
        --resume) resume=1; shift ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done
case "$minutes" in ''|*[!0-9]*) echo "--minutes takes a whole number" >&2; exit 2 ;; esac
[ "$minutes" -ge 1 ] || { echo "--minutes must be at least 1" >&2; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDTERMINALLOGGER=off
log() { printf '[fuzz] %s\n' "$*"; }

# ---- 1. AFL++ -------------------------------------------------------------------------------------------------------
if ! command -v afl-fuzz >/dev/null; then
    log "installing afl++"
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
    "${sudo[@]}" apt-get update -q </dev/null
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends afl++ </dev/null
fi

# ---- 2. build, instrument -------------------------------------------------------------------------------------------
cd "$repo"
dotnet tool restore >/dev/null
rm -rf "$out/afl-bin" "$out/plain-bin"
log "publishing the target"
dotnet publish "$here/XmppServer.Fuzz.csproj" -c Release -o "$out/plain-bin" -nologo -v quiet </dev/null
cp -r "$out/plain-bin" "$out/afl-bin"
# Only the code under test is instrumented: the harness and the runtime are not, so coverage is the parser's.
dotnet tool run sharpfuzz "$out/afl-bin/XmppServer.Protocol.dll"

# ---- 3. fuzz --------------------------------------------------------------------------------------------------------
# Each run writes a fresh findings directory, so its fuzzer_stats count that run alone. A resumed run seeds afl-fuzz
# with what the previous one learnt (its queue) as well as the corpus.
findings="$out/findings"
input="$here/corpus"
if [ "$resume" -eq 1 ] && [ -d "$findings/default/queue" ]; then
    rm -rf "$out/seeds"
    mkdir -p "$out/seeds"
    cp "$here"/corpus/* "$out/seeds/"
    find "$findings/default/queue" -maxdepth 1 -type f -name 'id:*' -exec cp {} "$out/seeds/" \;
    input="$out/seeds"
    log "seeding with the corpus and the previous queue ($(ls "$out/seeds" | wc -l) files)"
fi
# Crashes and hangs of earlier runs are kept, not deleted with the directory.
if [ -d "$findings/default" ] && [ -n "$(find "$findings/default/crashes" "$findings/default/hangs" -type f -name 'id:*' 2>/dev/null)" ]; then
    keep="$out/earlier-findings/$(date -u +%Y%m%dT%H%M%SZ)"
    mkdir -p "$keep"
    cp -r "$findings/default/crashes" "$findings/default/hangs" "$keep/" 2>/dev/null || true
    log "kept the previous run's crashes and hangs in $keep"
fi
rm -rf "$findings"

# afl-fuzz cannot see instrumentation in the dotnet host (SKIP_BIN_CHECK); the machine is shared (no CPU binding,
# no frequency check, no core_pattern change); the runtime's start-up is slow (long fork server init time-out).
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export AFL_NO_UI=1 AFL_FORKSRV_INIT_TMOUT=120000
# -t: milliseconds per input; a parse takes well under one, so a time-out is a hang, not a slow start.
log "afl-fuzz for $minutes minutes (log: $out/afl.log)"
set +e
nice -n 19 afl-fuzz -i "$input" -o "$findings" -x "$here/xmpp.dict" -t 5000 -m none -V $((minutes * 60)) \
    -- dotnet "$out/afl-bin/XmppServer.Fuzz.dll" >"$out/afl.log" 2>&1 </dev/null
status=$?
set -e
stats="$findings/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
    tail -n 30 "$out/afl.log"
    log "afl-fuzz did not start (exit $status)"
    exit 1
fi

# ---- 4. report ------------------------------------------------------------------------------------------------------
stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
crashes="$(stat saved_crashes)"; crashes="${crashes:-$(stat unique_crashes)}"
hangs="$(stat saved_hangs)"; hangs="${hangs:-$(stat unique_hangs)}"
log "run time $(stat run_time) s, executions $(stat execs_done), $(stat execs_per_sec) per second"
log "queue $(stat corpus_count) inputs, coverage $(stat bitmap_cvg), crashes $crashes, hangs $hangs"
printf '%s minutes=%s run_time=%s execs_done=%s crashes=%s hangs=%s resume=%s\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$minutes" "$(stat run_time)" "$(stat execs_done)" "$crashes" "$hangs" "$resume" \
    >>"$out/runs.log"

# ---- 5. replay the findings -----------------------------------------------------------------------------------------
found=()
for dir in crashes hangs; do
    [ -d "$findings/default/$dir" ] || continue
    while IFS= read -r -d '' file; do found+=("$file"); done \
        < <(find "$findings/default/$dir" -type f -name 'id:*' -print0)
done
if [ "${#found[@]}" -eq 0 ]; then
    log "no findings"
    exit 0
fi
log "replaying ${#found[@]} findings"
dotnet "$out/plain-bin/XmppServer.Fuzz.dll" --replay "${found[@]}"
