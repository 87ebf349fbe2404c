#!/usr/bin/env bash
# Runs the same load against XmppServer (this repository), Prosody and ejabberd, one server at a time, and prints
# one table with each server's figures and ours as a ratio to theirs. The table is also written to a markdown file.
#
#   tests/XmppServer.LoadTest/compare.sh --quick          # about two minutes: run it before and after a change
#   tests/XmppServer.LoadTest/compare.sh                  # the full run (several minutes)
#   tests/XmppServer.LoadTest/compare.sh --help
#
# Prosody and ejabberd come from the Debian packages (installed with apt-get when missing; sudo -n when not root).
# Each runs as a throwaway process of the current user with its own configuration, data directory, log and ports on
# 127.0.0.1, in a temporary directory: a system-wide instance, if there is one, is never used or touched. Every
# process this script starts is stopped by its PID at the end.
#
# Settings shared by the three servers (see the generated configurations with --keep):
#   - domain localhost, one self-signed certificate (made here with openssl) for all three, STARTTLS required;
#   - SASL SCRAM-SHA-1 against hashed credentials (Prosody internal_hashed, ejabberd auth_password_format scram with
#     auth_scram_hash sha, ours always), 4096 PBKDF2 iterations;
#   - SQLite for accounts, offline messages and the message archive (XEP-0313 MAM on, archiving by default), in WAL
#     mode with synchronous=FULL as XmppServer keeps it;
#   - roster, disco, ping, offline, MAM, carbons, stream management, version, time; no server-to-server;
#   - logging at info to a file; no traffic shapers or rate limits.
#
# Accounts user1..userN (password "pass") are created fast: ours with `user add-many`; Prosody and ejabberd get user1
# through their own tools (prosodyctl register, ejabberd_auth:try_register over Erlang distribution, which is what
# `ejabberdctl register` calls), then one SQL statement copies user1's stored SCRAM keys to user2..userN.
# StoredKey and ServerKey depend on the password, salt and iteration count only, not on the user name, so each copy
# is a valid account with the same password.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
domain="localhost"
password="pass"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '[compare] %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }

usage() {
    cat <<'USAGE'
usage: tests/XmppServer.LoadTest/compare.sh [--quick | --full] [options]

Runs the idle, login and chat scenarios of the load tool against XmppServer, Prosody and ejabberd in turn and
prints one table (also written as markdown to --out).

  --quick               a short run (about two minutes in all): 500 idle sessions, logins at 20/s for 8 s,
                        100 chat users at 100 messages/s for 8 s
  --full                the default: 5000 idle sessions, logins at 50/s for 30 s, 1000 chat users at
                        200 messages/s for 30 s (about ten minutes)
  --servers LIST        comma-separated subset of xmppserver,prosody,ejabberd (default: all three)
  --scenarios LIST      comma-separated subset of idle,login,chat (default: all three)
  --idle-users N        idle sessions (memory per session)
  --ramp N              new sessions per second while logging in the idle and chat users (quick 200, full 100)
  --hold S              seconds the idle sessions are held
  --login-rate N        logins per second (CPU per TLS login)
  --login-duration S    seconds of logins
  --chat-users N        chat users (an even number; they talk in pairs)
  --chat-rate N         chat messages per second in total
  --chat-duration S     seconds of chat
  --out PATH            markdown file for the table (default: ./compare-YYYYmmdd-HHMMSS.md)
  --cert ec|rsa         key of the shared certificate: EC P-256 (default, the kind XmppServer makes for itself)
                        or RSA 2048
  --no-install          do not apt-get install missing packages (a server without its package is reported)
  --skip-build          use the existing Release builds of XmppServer and the load tool
  --keep                keep the temporary directory (configurations, logs, JSON of every run)
  --tool-args "..."     extra load tool options for every scenario (e.g. "--workers 2")
USAGE
}

# ---------------------------------------------------------------------------------------------------------------
# Options

mode="full"
servers="xmppserver,prosody,ejabberd"
scenarios="idle,login,chat"
idle_users="" ramp="" hold="" login_rate="" login_duration="" chat_users="" chat_rate="" chat_duration=""
out="" cert_kind="ec" install=1 build=1 keep=0 tool_args=""
while [ $# -gt 0 ]; do
    case "$1" in
        --servers|--scenarios|--idle-users|--ramp|--hold|--login-rate|--login-duration|--chat-users|--chat-rate|--chat-duration|--out|--cert|--tool-args)
            [ $# -ge 2 ] || die "$1 needs a value" ;;
    esac
    case "$1" in
        --quick) mode="quick" ;;
        --full) mode="full" ;;
        --servers) servers="$2"; shift ;;
        --scenarios) scenarios="$2"; shift ;;
        --idle-users) idle_users="$2"; shift ;;
        --ramp) ramp="$2"; shift ;;
        --hold) hold="$2"; shift ;;
        --login-rate) login_rate="$2"; shift ;;
        --login-duration) login_duration="$2"; shift ;;
        --chat-users) chat_users="$2"; shift ;;
        --chat-rate) chat_rate="$2"; shift ;;
        --chat-duration) chat_duration="$2"; shift ;;
        --out) out="$2"; shift ;;
        --cert) cert_kind="$2"; shift ;;
        --no-install) install=0 ;;
        --skip-build) build=0 ;;
        --keep) keep=1 ;;
        --tool-args) tool_args="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option '$1'" ;;
    esac
    shift
done

if [ "$mode" = quick ]; then
    : "${idle_users:=500}" "${ramp:=200}" "${hold:=5}" "${login_rate:=20}" "${login_duration:=8}"
    : "${chat_users:=100}" "${chat_rate:=100}" "${chat_duration:=8}"
else
    : "${idle_users:=5000}" "${ramp:=100}" "${hold:=20}" "${login_rate:=50}" "${login_duration:=30}"
    : "${chat_users:=1000}" "${chat_rate:=200}" "${chat_duration:=30}"
fi
for v in idle_users ramp hold login_rate login_duration chat_users chat_rate chat_duration; do
    [[ "${!v}" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--${v//_/-} ${!v}: expected a number"
done
for v in idle_users chat_users; do [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "--${v//_/-} ${!v}: expected a whole number"; done
if [ $((chat_users % 2)) -ne 0 ]; then die "--chat-users must be even (they talk in pairs)"; fi
case "$cert_kind" in ec|rsa) ;; *) die "--cert ec or rsa" ;; esac
IFS=',' read -r -a server_list <<<"$servers"
IFS=',' read -r -a scenario_list <<<"$scenarios"
for s in "${scenario_list[@]}"; do
    case "$s" in idle|login|chat) ;; *) die "--scenarios: unknown scenario '$s'" ;; esac
done
for s in "${server_list[@]}"; do
    case "$s" in xmppserver|prosody|ejabberd) ;; *) die "--servers: unknown server '$s'" ;; esac
done
# Enough accounts for the largest scenario; the login scenario uses all of them in turn.
accounts=$(( idle_users > chat_users ? idle_users : chat_users ))
[ "$accounts" -ge 100 ] || accounts=100
stamp="$(date +%Y%m%d-%H%M%S)"
[ -n "$out" ] || out="$PWD/compare-$stamp.md"

# ---------------------------------------------------------------------------------------------------------------
# Packages

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
    else return 1
    fi
}

has_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

install_packages() {
    local missing=() p
    for p in "$@"; do has_pkg "$p" || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$install" -eq 0 ]; then log "missing packages (--no-install): ${missing[*]}"; return 1; fi
    if ! as_root true 2>/dev/null; then log "missing packages and neither root nor sudo -n: apt-get install ${missing[*]}"; return 1; fi
    log "installing ${missing[*]}"
    # Keep the packages' maintainer scripts from starting system-wide Prosody or ejabberd services.
    local policy=/usr/sbin/policy-rc.d created=0 rc=0
    if [ ! -e "$policy" ]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' >$policy && chmod +x $policy" && created=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}" \
        </dev/null >&2 2>&1 || {
        as_root env DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update -q </dev/null >&2 2>&1
        as_root env DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}" \
            </dev/null >&2 2>&1 || rc=$?
    }
    [ "$created" -eq 1 ] && as_root rm -f "$policy"
    return "$rc"
}

install_packages openssl sqlite3 jq procps || true
for tool in openssl sqlite3 jq; do command -v "$tool" >/dev/null || die "$tool is required (apt-get install $tool)"; done

declare -A unavailable=()
for s in "${server_list[@]}"; do
    case "$s" in
        prosody) install_packages prosody lua-dbi-sqlite3 || unavailable[prosody]="packages prosody, lua-dbi-sqlite3 missing" ;;
        ejabberd) install_packages ejabberd erlang-p1-sqlite3 || unavailable[ejabberd]="packages ejabberd, erlang-p1-sqlite3 missing" ;;
    esac
done

# ---------------------------------------------------------------------------------------------------------------
# Work area, processes, cleanup

tmp="$(mktemp -d "${TMPDIR:-/tmp}/xmpp-compare.XXXXXX")"
chmod 700 "$tmp"
mkdir -p "$tmp/results"
server_pid=""
cleanup() {
    stop_server
    if [ "$keep" -eq 1 ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# Stops the server this script started, by its PID: TERM, then KILL after 20 s.
stop_server() {
    [ -n "$server_pid" ] || return 0
    if kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 200); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
xs_port="" pr_port="" ej_port="" ej_dist_port=""
# Sets the variable named $1 to a free port; never the same port twice in one run (not in a subshell: it counts).
next_port=21000
free_port() {
    local p
    for p in $(seq "$next_port" $((next_port + 500))); do
        if ! port_open "$p" && ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
            next_port=$((p + 1))
            printf -v "$1" '%s' "$p"
            return 0
        fi
    done
    return 1
}

# Waits until PORT accepts connections while PID lives; at most SECONDS.
wait_port() {
    local port="$1" pid="$2" seconds="$3" i
    for ((i = 0; i < seconds * 5; i++)); do
        port_open "$port" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# One certificate for all three: self-signed, naming the domain and 127.0.0.1, CA:TRUE so it is its own anchor.
if [ "$cert_kind" = ec ]; then keyopt=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1); cert_label="EC P-256"
else keyopt=(-newkey rsa:2048); cert_label="RSA 2048"; fi
openssl req -x509 "${keyopt[@]}" -nodes -days 7 -subj "/CN=$domain" \
    -addext "subjectAltName=DNS:$domain,DNS:*.$domain,IP:127.0.0.1" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$tmp/cert.key" -out "$tmp/cert.pem" >/dev/null 2>&1 || die "openssl could not make a certificate"

# ---------------------------------------------------------------------------------------------------------------
# Builds

dll="$repo/src/XmppServer/bin/Release/net10.0/XmppServer.dll"
tool_dll="$here/bin/Release/net10.0/XmppServer.LoadTest.dll"
if [ "$build" -eq 1 ]; then
    log "building the load tool (Release)"
    timeout 900 dotnet build "$here/XmppServer.LoadTest.csproj" -c Release -nologo -v quiet </dev/null >"$tmp/build-tool.log" 2>&1 ||
        { tail -n 20 "$tmp/build-tool.log" >&2; die "the load tool did not build"; }
    if [[ ",$servers," == *,xmppserver,* ]]; then
        log "building XmppServer (Release)"
        timeout 900 dotnet build "$repo/src/XmppServer/XmppServer.csproj" -c Release -nologo -v quiet </dev/null >"$tmp/build-server.log" 2>&1 ||
            unavailable[xmppserver]="build failed (dotnet build src/XmppServer -c Release)"
    fi
fi
[ -f "$tool_dll" ] || die "no Release build of the load tool at $tool_dll"
[ -f "$dll" ] || [[ ",$servers," != *,xmppserver,* ]] || unavailable[xmppserver]="${unavailable[xmppserver]:-no Release build at src/XmppServer/bin/Release}"

# XmppServer keeps its SQLite database in WAL mode with synchronous=FULL (one fsync per commit). Prosody and ejabberd
# leave SQLite at its default rollback journal (several fsyncs per commit), which would make every archived message
# cost them more for a reason that is not the server's. WAL is a property of the database file, so setting it once
# before they start makes the three alike (synchronous stays at SQLite's default, FULL).
sqlite_wal() { [ "$(sqlite3 "$1" 'PRAGMA journal_mode=WAL;')" = wal ]; }

# ---------------------------------------------------------------------------------------------------------------
# XmppServer

xs_dir="$tmp/xmppserver"
xs_settings() {
    printf '%s\n' --config "$repo/config/xmppserver.json" \
        "--Xmpp:DataDirectory=$xs_dir/data" "--Xmpp:Domains:0=$domain" \
        "--Xmpp:Listen:Address=127.0.0.1" "--Xmpp:Listen:C2sPort=$xs_port" "--Xmpp:Listen:C2sTlsPort=0" \
        "--Xmpp:Listen:S2sPort=0" "--Xmpp:Listen:HttpPort=0" \
        "--Xmpp:Tls:CertificatePath=$tmp/cert.pem" "--Xmpp:Tls:KeyPath=$tmp/cert.key" \
        "--Xmpp:Authentication:ScramIterations=4096" "--Xmpp:Mam:DefaultPreference=Always" \
        "--Logging:LogLevel:Default=Information"
}
setup_xmppserver() {
    mkdir -p "$xs_dir/data"
    free_port xs_port || return 1
    local settings
    mapfile -t settings < <(xs_settings)
    (cd "$xs_dir" && timeout 600 dotnet "$dll" user add-many "$domain" user "$accounts" --password "$password" "${settings[@]}") \
        </dev/null >"$xs_dir/user-add.log" 2>&1 || { setup_error="user add-many failed: $(tail -n 1 "$xs_dir/user-add.log")"; return 1; }
    accounts_how="user add-many"
}
start_xmppserver() {
    local settings
    mapfile -t settings < <(xs_settings)
    (cd "$xs_dir" && exec dotnet "$dll" "${settings[@]}") </dev/null >>"$xs_dir/server.log" 2>&1 &
    server_pid=$!
    server_port="$xs_port"
    wait_port "$xs_port" "$server_pid" 60
}
version_xmppserver() {
    local commit runtime
    commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    git -C "$repo" diff --quiet HEAD 2>/dev/null || commit="$commit+changes"
    runtime="$(dotnet --list-runtimes 2>/dev/null | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}')"
    echo "XmppServer $commit (.NET ${runtime:-?})"
}
log_errors_xmppserver() { grep -cE '^(fail|crit):' "$xs_dir/server.log" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------------------------
# Prosody

pr_dir="$tmp/prosody"
setup_prosody() {
    mkdir -p "$pr_dir/data" "$pr_dir/certs"
    free_port pr_port || return 1
    # The certificates directory is where Prosody looks a host's certificate up by name.
    cp "$tmp/cert.pem" "$pr_dir/certs/$domain.crt"
    cp "$tmp/cert.key" "$pr_dir/certs/$domain.key"
    local run_as_root=false
    [ "$(id -u)" -eq 0 ] && run_as_root=true
    cat >"$pr_dir/prosody.cfg.lua" <<CFG
-- Throwaway configuration written by tests/XmppServer.LoadTest/compare.sh
run_as_root = $run_as_root
pidfile = "$pr_dir/prosody.pid"
data_path = "$pr_dir/data"
log = { info = "$pr_dir/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { $pr_port }
c2s_direct_tls_ports = { }
s2s_ports = { }
certificates = "$pr_dir/certs"
modules_enabled = { "roster", "saslauth", "tls", "disco", "ping", "offline", "mam", "carbons", "smacks", "version", "time" }
modules_disabled = { "s2s" }
c2s_require_encryption = true
authentication = "internal_hashed"
default_iteration_count = 4096
storage = "sql"
sql = { driver = "SQLite3", database = "prosody.sqlite" }
default_archive_policy = true
archive_expires_after = "never"
VirtualHost "$domain"
    ssl = { certificate = "$pr_dir/certs/$domain.crt"; key = "$pr_dir/certs/$domain.key" }
CFG
    timeout 60 prosodyctl --config "$pr_dir/prosody.cfg.lua" register user1 "$domain" "$password" </dev/null \
        >"$pr_dir/register.log" 2>&1 || { setup_error="prosodyctl register failed: $(tail -n 1 "$pr_dir/register.log")"; return 1; }
    # mod_storage_sql keeps each field of the account record as a row of the "prosody" table.
    sqlite3 "$pr_dir/data/prosody.sqlite" "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < $accounts)
        INSERT INTO prosody (host, user, store, key, type, value)
        SELECT host, 'user' || i, store, key, type, value FROM prosody, n
        WHERE host = '$domain' AND user = 'user1' AND store = 'accounts';" 2>"$pr_dir/copy.log" ||
        { setup_error="copying accounts failed: $(head -n 1 "$pr_dir/copy.log")"; return 1; }
    local n
    sqlite_wal "$pr_dir/data/prosody.sqlite" || { setup_error="could not switch prosody.sqlite to WAL"; return 1; }
    n="$(sqlite3 "$pr_dir/data/prosody.sqlite" "SELECT COUNT(DISTINCT user) FROM prosody WHERE store = 'accounts';")"
    [ "$n" = "$accounts" ] || { setup_error="$n accounts after the copy, not $accounts"; return 1; }
    accounts_how="prosodyctl register + SQL copy"
}
start_prosody() {
    prosody --config "$pr_dir/prosody.cfg.lua" -F </dev/null >>"$pr_dir/prosody.out" 2>&1 &
    server_pid=$!
    server_port="$pr_port"
    wait_port "$pr_port" "$server_pid" 60
}
version_prosody() {
    local lua
    lua="$(head -n 1 /usr/bin/prosody 2>/dev/null | sed -n 's/.*\(lua[0-9.]*\).*/\1/p')"
    echo "Prosody $(dpkg-query -W -f='${Version}' prosody 2>/dev/null) (${lua:-lua})"
}
log_errors_prosody() { grep -cE '\s(error)\s' "$pr_dir/prosody.log" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------------------------
# ejabberd

ej_dir="$tmp/ejabberd"
ej_node="compare$$@localhost"
ej_libs() {
    local app
    for app in /usr/lib/*/ejabberd-*/ebin/ejabberd.app /usr/lib/ejabberd-*/ebin/ejabberd.app; do
        [ -f "$app" ] && { dirname "$(dirname "$(dirname "$app")")"; return 0; }
    done
    return 1
}
# The environment ejabberdctl would set, for a node of our own: its own config, spool, log, cookie (in HOME, not on
# the command line) and a distribution port on 127.0.0.1 without epmd, so no system node or epmd is involved.
ej_env() {
    printf '%s\n' "HOME=$ej_dir/home" "EJABBERD_CONFIG_PATH=$ej_dir/ejabberd.yml" "EJABBERD_LOG_PATH=$ej_dir/logs/ejabberd.log" \
        "ERL_LIBS=$ej_libs_dir" "ERL_MAX_PORTS=65536" "ERL_MAX_ETS_TABLES=1400" "ERL_CRASH_DUMP=$ej_dir/logs/erl_crash.dump" \
        "ERL_CRASH_DUMP_BYTES=0"
}
ej_dist() { printf '%s\n' -erl_epmd_port "$ej_dist_port" -start_epmd false -kernel inet_dist_use_interface '{127,0,0,1}'; }
ej_rpc() {
    local envs dist
    mapfile -t envs < <(ej_env)
    mapfile -t dist < <(ej_dist)
    (cd "$ej_dir" && timeout 60 env "${envs[@]}" erl -sname "ctl$$-$RANDOM@localhost" "${dist[@]}" -dist_listen false -hidden -noinput \
        -eval "R = rpc:call('$ej_node', $1), io:format(\"~p~n\", [R]), halt(case R of {badrpc, _} -> 1; _ -> 0 end).")
}
setup_ejabberd() {
    ej_libs_dir="$(ej_libs)" || { setup_error="ejabberd's Erlang application not found under /usr/lib"; return 1; }
    mkdir -p "$ej_dir/spool" "$ej_dir/logs" "$ej_dir/home"
    free_port ej_port && free_port ej_dist_port || return 1
    head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$ej_dir/home/.erlang.cookie"
    chmod 400 "$ej_dir/home/.erlang.cookie"
    cat >"$ej_dir/ejabberd.yml" <<YML
# Throwaway configuration written by tests/XmppServer.LoadTest/compare.sh
hosts:
  - $domain
loglevel: info
log_rotate_count: 0
certfiles:
  - $tmp/cert.pem
  - $tmp/cert.key
listen:
  -
    port: $ej_port
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls_required: true
    max_stanza_size: 262144
    shaper: none
    access: all
auth_method: sql
auth_password_format: scram
auth_scram_hash: sha
default_db: sql
sql_type: sqlite
sql_database: "$ej_dir/ejabberd.db"
acl:
  local:
    user_regexp: ""
shaper_rules:
  max_user_sessions: 10
  max_user_offline_messages: 1000
modules:
  mod_roster: {}
  mod_disco: {}
  mod_ping: {}
  mod_offline: {}
  mod_mam:
    default: always
  mod_carboncopy: {}
  mod_stream_mgmt: {}
  mod_version:
    show_os: false
  mod_time: {}
YML
    # ejabberd creates the SQLite schema itself on first use; user1 through its own registration code.
    start_ejabberd || { setup_error="ejabberd did not start: $(ej_last_error)"; stop_server; return 1; }
    ej_rpc "ejabberd_auth, try_register, [<<\"user1\">>, <<\"$domain\">>, <<\"$password\">>]" >"$ej_dir/register.log" 2>&1 ||
        { setup_error="registering user1 failed: $(tr -s ' \n' ' ' <"$ej_dir/register.log" | cut -c1-120)"; stop_server; return 1; }
    stop_server
    sqlite3 "$ej_dir/ejabberd.db" "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < $accounts)
        INSERT INTO users (username, password, serverkey, salt, iterationcount)
        SELECT 'user' || i, password, serverkey, salt, iterationcount FROM users, n WHERE username = 'user1';" 2>"$ej_dir/copy.log" ||
        { setup_error="copying accounts failed: $(head -n 1 "$ej_dir/copy.log")"; return 1; }
    local n
    sqlite_wal "$ej_dir/ejabberd.db" || { setup_error="could not switch ejabberd.db to WAL"; return 1; }
    n="$(sqlite3 "$ej_dir/ejabberd.db" "SELECT COUNT(*) FROM users;")"
    [ "$n" = "$accounts" ] || { setup_error="$n accounts after the copy, not $accounts"; return 1; }
    accounts_how="try_register + SQL copy"
}
start_ejabberd() {
    local envs dist
    mapfile -t envs < <(ej_env)
    mapfile -t dist < <(ej_dist)
    # erl execs erlexec, which execs beam.smp: the PID of this job is the VM's.
    (cd "$ej_dir/spool" && exec env "${envs[@]}" erl -sname "$ej_node" "${dist[@]}" +K true +P 250000 -noinput \
        -mnesia dir "\"$ej_dir/spool\"" -s ejabberd) </dev/null >>"$ej_dir/ejabberd.out" 2>&1 &
    server_pid=$!
    server_port="$ej_port"
    wait_port "$ej_port" "$server_pid" 90 || return 1
    [ "$(ps -o comm= -p "$server_pid")" = beam.smp ] || log "note: ejabberd's PID $server_pid is $(ps -o comm= -p "$server_pid"), not beam.smp"
}
ej_last_error() { grep -hE '\[(critical|error)\]' "$ej_dir/logs/ejabberd.log" 2>/dev/null | tail -n 1 | cut -c1-200; }
version_ejabberd() {
    local otp
    otp="$(erl -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().' 2>/dev/null)"
    echo "ejabberd $(dpkg-query -W -f='${Version}' ejabberd 2>/dev/null) (Erlang/OTP ${otp:-?})"
}
log_errors_ejabberd() { grep -cE '\[(critical|error)\]' "$ej_dir/logs/ejabberd.log" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------------------------
# Scenarios

# shellcheck disable=SC2206 # word splitting of --tool-args is intended
extra_tool_args=($tool_args)
scenario_args() {
    case "$1" in
        # Enough logins and messages that a JIT (ours) has compiled the hot paths before anything is measured.
        warmup) echo "chat --users 100 --rate 100 --duration 3 --drain 3 --ramp 200" ;;
        idle) echo "idle --users $idle_users --ramp $ramp --duration $hold" ;;
        login) echo "login --users $accounts --rate $login_rate --duration $login_duration" ;;
        chat) echo "chat --users $chat_users --ramp $ramp --rate $chat_rate --duration $chat_duration --drain 5" ;;
    esac
}
# Runs one scenario against the running server; the JSON line goes to results/SERVER.SCENARIO.json. A run that
# produced no JSON gets a stand-in line with its status, so the table says what happened.
run_scenario() {
    local server="$1" scenario="$2" json="$tmp/results/$1.$2.json" rc=0
    local args
    read -r -a args <<<"$(scenario_args "$scenario")"
    rm -f "$json"
    timeout 1800 dotnet "$tool_dll" "${args[@]}" --port "$server_port" --domain "$domain" --password "$password" \
        --ca "$tmp/cert.pem" --server-pid "$server_pid" --quiet --json "$json" ${extra_tool_args[@]+"${extra_tool_args[@]}"} \
        </dev/null >"$tmp/results/$server.$scenario.txt" 2>&1 || rc=$?
    if [ ! -s "$json" ]; then
        local why
        why="$(grep -m 1 'loadtest:' "$tmp/results/$server.$scenario.txt" | cut -c1-160)"
        [ "$rc" -eq 124 ] && why="killed after 1800 s"
        jq -cn --arg s "load tool exit $rc${why:+: $why}" '{status: $s}' >"$json"
    fi
    log "$server $scenario: $(jq -r '.status' "$json")"
}

fail_all() {
    local server="$1" why="$2" scenario
    for scenario in "${scenario_list[@]}"; do jq -cn --arg s "$why" '{status: $s}' >"$tmp/results/$server.$scenario.json"; done
}

declare -A version=() how=() setup_seconds=() log_errors=()
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started_at="$(date -u '+%Y-%m-%d %H:%M UTC')"
for server in "${server_list[@]}"; do
    if [ -n "${unavailable[$server]:-}" ]; then
        log "$server: ${unavailable[$server]}"
        fail_all "$server" "not run: ${unavailable[$server]}"
        continue
    fi
    version[$server]="$("version_$server")"
    log "${version[$server]}: creating $accounts accounts"
    setup_error="" accounts_how=""
    t0=$SECONDS
    if ! "setup_$server"; then
        log "$server: setup failed: ${setup_error:-no free port}"
        fail_all "$server" "setup failed: ${setup_error:-no free port}"
        continue
    fi
    setup_seconds[$server]=$((SECONDS - t0))
    how[$server]="$accounts_how"
    log "$server: accounts ready in ${setup_seconds[$server]} s ($accounts_how)"
    for scenario in warmup "${scenario_list[@]}"; do
        if [ -z "$server_pid" ] || ! kill -0 "$server_pid" 2>/dev/null; then
            [ "$scenario" = warmup ] || log "$server: the server is not running before $scenario; starting it again"
            stop_server
            if "start_$server"; then
                # A restarted server is warmed up again, as at the start.
                [ "$scenario" = warmup ] || { run_scenario "$server" warmup; sleep 3; }
            else
                log "$server: did not start"
                stop_server
                for s in "${scenario_list[@]}"; do
                    [ -s "$tmp/results/$server.$s.json" ] || jq -cn '{status: "server did not start (see its log with --keep)"}' >"$tmp/results/$server.$s.json"
                done
                break
            fi
        fi
        run_scenario "$server" "$scenario"
        # Let background work the warm-up started (a JIT's recompilation, a GC) finish outside the measurements.
        [ "$scenario" = warmup ] && sleep 3
        if ! kill -0 "$server_pid" 2>/dev/null; then
            log "$server: the server exited during $scenario"
            jq -c '.status = "server exited during the run; " + (.status // "")' "$tmp/results/$server.$scenario.json" >"$tmp/x.json" &&
                mv "$tmp/x.json" "$tmp/results/$server.$scenario.json"
        fi
    done
    stop_server
    log_errors[$server]="$("log_errors_$server")"
done
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------------------------
# Table

# The figure KEY of SERVER's SCENARIO run, or nothing.
value() { jq -r --arg k "$3" '.[$k] // empty | tostring' "$tmp/results/$1.$2.json" 2>/dev/null; }
fmt() { [ -n "$1" ] && LC_ALL=C printf "%.${2}f" "$1" || printf 'n/a'; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && LC_ALL=C awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }' || printf 'n/a'; }
# "*" after a figure from a run whose status is not ok (it is shown, but read the status row first).
flag() { [ -n "$3" ] && [ "$(value "$1" "$2" status)" != ok ] && printf '*'; return 0; }
cell_escape() { printf '%s' "$1" | tr '|\n' '/ ' | cut -c1-"${2:-70}"; }

names=(); declare -A label=([xmppserver]=XmppServer [prosody]=Prosody [ejabberd]=ejabberd)
for s in "${server_list[@]}"; do names+=("${label[$s]}"); done
others=(); for s in "${server_list[@]}"; do [ "$s" = xmppserver ] || others+=("$s"); done
ours=0; [[ ",$servers," == *,xmppserver,* ]] && ours=1

table="$tmp/table.md"
{
    printf '| scenario | figure | better |'
    for n in "${names[@]}"; do printf ' %s |' "$n"; done
    if [ "$ours" -eq 1 ]; then for o in "${others[@]}"; do printf ' ours / %s |' "${label[$o]}"; done; fi
    printf '\n|---|---|---|'
    for _ in "${names[@]}"; do printf -- '--:|'; done
    if [ "$ours" -eq 1 ]; then for _ in "${others[@]}"; do printf -- '--:|'; done; fi
    printf '\n'
    # scenario | key | label | unit | decimals | better
    while IFS='|' read -r scenario key text unit decimals better; do
        [ -n "$scenario" ] || continue
        [[ ",$scenarios," == *,"$scenario",* ]] || continue
        printf '| %s | %s%s | %s |' "$scenario" "$text" "${unit:+ ($unit)}" "$better"
        declare -A v=()
        for s in "${server_list[@]}"; do
            v[$s]="$(value "$s" "$scenario" "$key")"
            if [ "$key" = status ]; then printf ' %s |' "$(cell_escape "${v[$s]:-n/a}" 90)"
            else printf ' %s%s |' "$(fmt "${v[$s]}" "$decimals")" "$(flag "$s" "$scenario" "${v[$s]}")"; fi
        done
        if [ "$ours" -eq 1 ]; then
            for o in "${others[@]}"; do
                if [ "$key" = status ] || [ -z "$better" ]; then printf ' |'
                else
                    r="$(ratio "${v[xmppserver]}" "${v[$o]}")"
                    [ "$r" = n/a ] || r="$r$(flag xmppserver "$scenario" x)$(flag "$o" "$scenario" x)"
                    printf ' %s |' "${r/\*\*/*}"
                fi
            done
        fi
        printf '\n'
        unset v
    done <<'ROWS'
idle|sessions_established|sessions established||0|higher
idle|ramp_seconds|time to open them all|s|1|lower
idle|server_rss_start_mb|server RSS before the sessions|MB|1|
idle|server_rss_end_mb|server RSS with the sessions|MB|1|lower
idle|server_rss_per_session_kb|**memory per idle TLS session**|KB|1|lower
idle|ramp_server_cpu_ms_per_login|server CPU per login during the ramp|ms|2|lower
idle|hold_server_cpu_pct|server CPU while holding (100 = one core)|%|1|lower
idle|ping_p99_ms|client ping round trip p99|ms|2|lower
idle|status|status|||
login|succeeded|logins succeeded||0|higher
login|failed|logins failed||0|lower
login|logins_server_cpu_ms_per_login|**server CPU per TLS login**|ms|2|lower
login|login_p50_ms|login time p50 (connect to bind)|ms|1|lower
login|login_p99_ms|login time p99|ms|1|lower
login|status|status|||
chat|sent|messages sent||0|
chat|delivered|**messages delivered**||0|higher
chat|delivered_rate|delivered per second|/s|1|higher
chat|latency_p50_ms|**latency p50**|ms|2|lower
chat|latency_p99_ms|**latency p99**|ms|2|lower
chat|messages_server_cpu_ms_per_message|**server CPU per message**|ms|3|lower
chat|messages_server_cpu_pct|server CPU while sending (100 = one core)|%|1|lower
chat|status|status|||
ROWS
    printf '| setup | accounts (how) | |'
    for s in "${server_list[@]}"; do
        if [ -n "${how[$s]:-}" ]; then printf ' %s in %s s (%s) |' "$accounts" "${setup_seconds[$s]}" "${how[$s]}"; else printf ' n/a |'; fi
    done
    if [ "$ours" -eq 1 ]; then for _ in "${others[@]}"; do printf ' |'; done; fi
    printf '\n| all | error lines in the server log | lower |'
    for s in "${server_list[@]}"; do printf ' %s |' "${log_errors[$s]:-n/a}"; done
    if [ "$ours" -eq 1 ]; then for _ in "${others[@]}"; do printf ' |'; done; fi
    printf '\n'
} >"$table"

cpu_model="$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -n 1)"
ram="$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
{
    printf '# XmppServer compared with Prosody and ejabberd (%s run, %s)\n\n' "$mode" "$started_at"
    printf -- '- machine: %s CPUs (%s), %s RAM, Linux %s; load average %s before, %s after\n' \
        "$(nproc)" "${cpu_model:-?}" "$ram" "$(uname -r)" "$load_start" "$load_end"
    printf -- '- servers:'
    sep=" "
    for s in "${server_list[@]}"; do printf '%s%s' "$sep" "${version[$s]:-${label[$s]} (not run)}"; sep="; "; done
    printf '\n'
    printf -- '- same for all: domain %s on 127.0.0.1, STARTTLS required with one self-signed %s certificate, SASL SCRAM-SHA-1 with hashed credentials (4096 iterations), SQLite (WAL, synchronous=FULL) for accounts, offline messages and the archive (MAM, archiving by default), logging at info; one server at a time, each warmed up with a short chat run first\n' "$domain" "$cert_label"
    printf -- '- load: idle %s sessions at %s/s, held %s s; login %s/s for %s s over %s accounts; chat %s users, %s messages/s for %s s\n\n' \
        "$idle_users" "$ramp" "$hold" "$login_rate" "$login_duration" "$accounts" "$chat_users" "$chat_rate" "$chat_duration"
    cat "$table"
    printf '\n"ours / X" is XmppServer'"'"'s figure divided by X'"'"'s: below 1 is better where lower is better, above 1 where higher is better. '
    printf 'CPU is the server process'"'"'s user + system time from /proc over the measured window; memory per session is the RSS growth over the idle ramp divided by the sessions. '
    printf 'A figure marked * comes from a run that did not end "ok": see that scenario'"'"'s status row. '
    printf 'The load tool runs on the same machine and its CPU competes with the server: compare figures from one run, not across runs or machines.\n'
} >"$out"

cat "$out"
log "table written to $out"
