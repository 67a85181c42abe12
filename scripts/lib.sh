#!/usr/bin/env bash
# Shared pieces of the benchmark scripts: logging, the table of variants, and the
# lifecycle of a server process (start, wait for /health, sample /proc, stop by PID).
#
# Sourced, never run:  source "$SCRIPT_DIR/lib.sh"
# Every process started here is tracked by its PID in TRACKED_PIDS and stopped by
# stop_tracked_processes (call it from the caller's EXIT trap); nothing is ever killed by name.

# The repository root and where cargo puts the release binaries.
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT
readonly BIN_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release"
readonly PYTHON_BASELINES="$REPO_ROOT/baselines/python"
# bench.sh holds its results lock on fd 9; every child is started with 9>&- so a server
# never keeps the lock alive after the harness is gone.

# ---------------------------------------------------------------------------------------
# Logging. Everything for humans goes to stderr; stdout stays free for data.
log() { printf '%s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Seconds since the epoch with milliseconds, for timing steps without a fork.
now_ms() {
  local seconds=${EPOCHREALTIME%.*} fraction=${EPOCHREALTIME#*.}
  echo $((seconds * 1000 + 10#${fraction:0:3}))
}

# wrk duration ("10s", "500ms", "1m", "2h" or plain seconds) -> milliseconds.
duration_ms() {
  local text=$1
  case "$text" in
    *ms) echo $((${text%ms})) ;;
    *s) echo $((${text%s} * 1000)) ;;
    *m) echo $((${text%m} * 60000)) ;;
    *h) echo $((${text%h} * 3600000)) ;;
    *) echo $((text * 1000)) ;;
  esac
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_duration() { [[ $1 =~ ^[0-9]+(ms|s|m|h)?$ ]]; }

# ---------------------------------------------------------------------------------------
# The variants: THE table. One row per variant the harness can start.
#   family   rust | python (the seed's own servers)
#   kind     the role in the seed's comparison: sync, async, async-blocking, or another
#            name for variants outside it
#   port     its default port (the seed's ports for the three Rust servers)
#   blocks   yes if the simulated downstream wait blocks the thread that serves requests
#   bound_by Little's-law concurrency: "workers" (that many threads can wait at once),
#            "connections" (every connection waits concurrently), a fixed number, or
#            "connections:CAP" (connections, but never more than CAP threads)
#   command  BIN/ = target/release/, PY/ = baselines/python/; the harness appends
#            --addr HOST:PORT --delay-ms N (and --workers N for the Rust servers)
# Bound in req/s = concurrency / delay; no bound when the delay is 0.
readonly VARIANT_TABLE='
# name                  family kind                    port blocks bound_by         command
sync-server             rust   sync                    9000 yes    workers          BIN/sync-server
async-server            rust   async                   9001 no     connections      BIN/async-server
async-blocking-server   rust   async-blocking          9002 yes    workers          BIN/async-blocking-server
async-blocking-offload  rust   async-blocking-offload  9003 no     connections:512  BIN/async-blocking-server --offload
# --- Python baselines: the seed servers, started by baselines/python/serve.sh after a
# --- one-time baselines/python/setup.sh (a venv). One thread or one event loop each.
python-sync             python sync                    9010 yes    1                PY/serve.sh sync
python-async            python async                   9011 no     connections      PY/serve.sh async
python-async-blocking   python async-blocking          9012 yes    1                PY/serve.sh async-blocking
'
# The default `make bench`: the seed's three servers.
# shellcheck disable=SC2034 # used by the scripts that source this file
readonly DEFAULT_VARIANTS="sync-server async-server async-blocking-server"

# All variant names, one per line.
variant_names() {
  awk '!/^#/ && NF { print $1 }' <<<"$VARIANT_TABLE"
}

# variant_lookup NAME: sets V_NAME V_FAMILY V_KIND V_PORT V_BLOCKS V_BOUND_BY V_COMMAND
# (an array); returns 1 for an unknown name.
variant_lookup() {
  local row
  row=$(awk -v name="$1" '!/^#/ && $1 == name' <<<"$VARIANT_TABLE")
  [[ -n $row ]] || return 1
  local command_text
  read -r V_NAME V_FAMILY V_KIND V_PORT V_BLOCKS V_BOUND_BY command_text <<<"$row"
  read -ra V_COMMAND <<<"$command_text"
  V_COMMAND[0]=${V_COMMAND[0]/#BIN\//$BIN_DIR/}
  V_COMMAND[0]=${V_COMMAND[0]/#PY\//$PYTHON_BASELINES/}
  export V_NAME V_FAMILY V_KIND V_PORT V_BLOCKS V_BOUND_BY
}

# bound_concurrency BOUND_BY CONNECTIONS WORKERS: how many requests can wait at once.
bound_concurrency() {
  local bound_by=$1 connections=$2 workers=$3 cap
  case "$bound_by" in
    workers) echo "$workers" ;;
    connections) echo "$connections" ;;
    connections:*)
      cap=${bound_by#connections:}
      echo $((connections < cap ? connections : cap))
      ;;
    *) echo "$bound_by" ;;
  esac
}

# bound_rule_text BOUND_BY: the rule in words, for the summary.
bound_rule_text() {
  case "$1" in
    workers) echo "workers / delay (the wait blocks a handler thread)" ;;
    connections) echo "connections / delay (waits overlap)" ;;
    connections:*) echo "min(connections, ${1#connections:} blocking-pool threads) / delay" ;;
    *) echo "$1 / delay (one thread, whatever the settings)" ;;
  esac
}

# ---------------------------------------------------------------------------------------
# Processes. TRACKED_PIDS holds every background process we started and not yet reaped.
TRACKED_PIDS=()

track_pid() { TRACKED_PIDS+=("$1"); }
untrack_pid() {
  local pid kept=()
  for pid in "${TRACKED_PIDS[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  TRACKED_PIDS=("${kept[@]}")
}

# pid_alive PID: running (not gone, not a zombie waiting to be reaped).
pid_alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# reap PID: wait for a child that has exited; sets ENDED to how it ended ("0", "1",
# "signal 9"). Never call it in $(...): a subshell cannot wait for our children.
reap() {
  local status=0
  wait "$1" 2>/dev/null || status=$?
  untrack_pid "$1"
  if ((status > 128)); then ENDED="signal $((status - 128))"; else ENDED=$status; fi
}

# stop_pid PID GRACE_MS: SIGTERM, wait up to GRACE_MS, then SIGKILL. Sets ENDED as reap
# does, suffixed with "(killed: ...)" when SIGTERM was not enough.
stop_pid() {
  local pid=$1 grace_ms=$2 deadline
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$(($(now_ms) + grace_ms))
    while pid_alive "$pid" && (($(now_ms) < deadline)); do sleep 0.05; done
    if pid_alive "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
      reap "$pid"
      ENDED="$ENDED (killed: no exit within ${grace_ms}ms of SIGTERM)"
      return
    fi
  fi
  reap "$pid"
}

# stop_tracked_processes: for EXIT traps. Stops everything we started, newest first.
stop_tracked_processes() {
  local index pid
  for ((index = ${#TRACKED_PIDS[@]} - 1; index >= 0; index--)); do
    pid=${TRACKED_PIDS[index]}
    log "stopping process $pid that this harness started"
    stop_pid "$pid" 5000
  done
}

# port_in_use HOST PORT: something already accepts connections there.
port_in_use() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# pid_listens_on PID PORT: PID holds the socket listening on PORT (so the server answering
# there is the one we started, not another run's). True where /proc/net/tcp is unreadable.
pid_listens_on() {
  local pid=$1 port=$2 inode fd target inodes
  [[ -r /proc/net/tcp ]] || return 0
  inodes=$(awk -v port=":$(printf '%04X' "$port")" \
    '$4 == "0A" && substr($2, length($2) - 4) == port { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  for inode in $inodes; do
    for fd in /proc/"$pid"/fd/*; do
      target=$(readlink "$fd" 2>/dev/null) || continue
      [[ $target == "socket:[$inode]" ]] && return 0
    done
  done
  return 1
}

# proc_sample PID: prints "cpu_ticks threads vm_hwm_kb" from /proc, or fails if gone.
proc_sample() {
  local pid=$1 stat fields threads=0 hwm=0 key value _unit
  { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
  read -ra fields <<<"${stat##*) }"
  while read -r key value _unit; do
    case "$key" in
      Threads:) threads=$value ;;
      VmHWM:) hwm=$value ;;
    esac
  done <"/proc/$pid/status" 2>/dev/null || return 1
  # After the ")" of comm: state is field 0, utime 11, stime 12 (stat(5): 3, 14, 15).
  echo "$((fields[11] + fields[12])) $threads $hwm"
}

# raise_open_files: to the hard limit, so 1000s of connections are possible.
raise_open_files() {
  local hard
  hard=$(ulimit -Hn)
  [[ $hard == unlimited ]] && hard=1048576
  ulimit -n "$hard" 2>/dev/null || warn "could not raise the open-files limit to $hard (now $(ulimit -n))"
}

# json_string TEXT: TEXT as a JSON string literal.
json_string() {
  local text=$1
  text=${text//\\/\\\\}
  text=${text//\"/\\\"}
  text=${text//$'\t'/\\t}
  text=${text//$'\n'/\\n}
  text=${text//$'\r'/\\r}
  printf '"%s"' "$text"
}
