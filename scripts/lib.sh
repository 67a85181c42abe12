#!/usr/bin/env bash
# Shared pieces of the benchmark scripts: logging, the table of variants, the lifecycle of a
# server process (start, wait for /health, sample /proc, stop by PID), and the lifecycle of a
# run folder (lock, meta.json, INCOMPLETE, summary) that bench.sh and sweep.sh both use.
#
# shellcheck source-path=SCRIPTDIR
# Sourced, never run:  source "$SCRIPT_DIR/lib.sh"
# Every process started here is tracked by its PID in TRACKED_PIDS and stopped by
# stop_tracked_processes (call it from the caller's EXIT trap); nothing is ever killed by name.

# The repository root and where cargo puts the release binaries: CARGO_TARGET_DIR/release
# where that is set (as cargo does), else target/release (the Makefile's BIN_DIR, the same rule).
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT
readonly BIN_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release"
readonly PYTHON_BASELINES="$REPO_ROOT/baselines/python"
# The report program (bench-report/): every figure is parsed and computed there, not in bash.
readonly REPORT="$BIN_DIR/bench-report"
# How long a server may take to finish its requests in flight after SIGTERM: server-common's
# SHUTDOWN_GRACE (and the Python baselines'). Recorded in meta.json for the report to quote.
readonly SERVER_GRACE_MS=5000
# bench.sh holds its results lock on fd 9; every child is started with 9>&- so a server
# never keeps the lock alive after the harness is gone.

# pid_alive, proc_sample and pid_listens_on: the agent's own, the one copy used here and on a
# host of its own (its main runs only when it is run, not sourced). Before the logging below,
# whose die wins.
# shellcheck source=host-agent.sh
source "$REPO_ROOT/scripts/host-agent.sh"

# ---------------------------------------------------------------------------------------
# Logging. Everything for humans goes to stderr; stdout stays free for data.
log() { printf '%s\n' "$*" >&2; }
# The harness's own stdout and stderr, kept aside: a signal's trap runs where the signal
# lands, which may be inside a command whose output is redirected (`{ read ...; } 2>/dev/null`
# in pid_alive), and the clean-up it starts must still say what it stops. restore_output,
# first in every EXIT trap, puts them back.
exec {HARNESS_STDOUT}>&1 {HARNESS_STDERR}>&2
restore_output() { exec 1>&"$HARNESS_STDOUT" 2>&"$HARNESS_STDERR"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# print_usage SCRIPT: the script's "# Usage:" block, from its header comment (written once).
print_usage() {
  sed -n '/^# Usage:/,/^[^#]/{/^# shellcheck /d;/^#/s/^# \{0,1\}//p}' "$1"
}

# parse_options SPEC_NAME ARGS...: sets the caller's variables from ARGS. SPEC_NAME names an
# associative array of option -> variable ("--threads" -> threads); a variable prefixed with
# "!" is a switch (set to yes, takes no value). -h/--help prints USAGE_FILE's usage and exits
# 0; an unknown option, or an option without its value, dies naming it. GIVEN_OPTIONS lists
# the options given, for defaults that depend on them.
GIVEN_OPTIONS=()
parse_options() {
  local -n option_spec=$1
  shift
  GIVEN_OPTIONS=()
  while (($#)); do
    case "$1" in
      -h | --help)
        print_usage "$USAGE_FILE"
        exit 0
        ;;
    esac
    [[ -v option_spec[$1] ]] || {
      print_usage "$USAGE_FILE" >&2
      die "unknown option '$1'"
    }
    local target=${option_spec[$1]}
    GIVEN_OPTIONS+=("$1")
    if [[ $target == '!'* ]]; then
      printf -v "${target#!}" '%s' yes
      shift
      continue
    fi
    (($# >= 2)) || die "option $1 needs a value"
    printf -v "$target" '%s' "$2"
    shift 2
  done
}

# given OPTION: true if OPTION was on the command line (after parse_options).
given() {
  local option
  for option in "${GIVEN_OPTIONS[@]}"; do [[ $option == "$1" ]] && return 0; done
  return 1
}

# require_report: the report program is built, or a clear error.
require_report() {
  [[ -x $REPORT ]] || die "$REPORT not found: run 'make build' first"
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

# minutes MS: "4m05s"
minutes() { printf '%dm%02ds' $(($1 / 60000)) $(($1 / 1000 % 60)); }

# progress_text DONE TOTAL ELAPSED_MS PREDICTED_DONE_MS PREDICTED_TOTAL_MS: "[3/16, 0m41s
# elapsed, ~2m10s left]"; the time left is the plan's, scaled by how the run has kept to it.
progress_text() {
  local done=$1 total=$2 elapsed_ms=$3 predicted_done=$4 predicted_total=$5 left_ms
  left_ms=$((predicted_total - predicted_done))
  ((predicted_done == 0)) || left_ms=$((left_ms * elapsed_ms / predicted_done))
  printf '[%d/%d, %s elapsed, ~%s left]' "$((done + 1))" "$total" "$(minutes "$elapsed_ms")" "$(minutes "$left_ms")"
}

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
is_duration() { [[ $1 =~ ^[0-9]+(ms|s|m|h)?$ ]]; }

# require_whole_numbers VALUE...: dies naming the first value that is not a whole number.
require_whole_numbers() {
  local value
  for value in "$@"; do is_uint "$value" || die "'$value' is not a whole number"; done
}

# require_durations NAME=VALUE...: dies naming the first value that is not a wrk duration.
require_durations() {
  local pair
  for pair in "$@"; do
    is_duration "${pair#*=}" || die "bad ${pair%%=*} '${pair#*=}' (e.g. 10s, or 0 to skip where allowed)"
  done
}

# ---------------------------------------------------------------------------------------
# The variants: one table, in variants.table at the top of the repository (its header says
# what each column means). Read here, and nowhere else.
readonly VARIANTS_FILE="$REPO_ROOT/variants.table"

# variant_row NAME: the table's row for NAME, or nothing.
variant_row() {
  awk -v name="$1" '!/^#/ && $1 == name' "$VARIANTS_FILE"
}

# The default `make bench`: the seed's three servers.
# shellcheck disable=SC2034 # used by the scripts that source this file
readonly DEFAULT_VARIANTS="sync-server async-server async-blocking-server"

# The real downstream call (DOWNSTREAM=http): a Rust variant's GET / then calls, instead of
# waiting --delay-ms, the downstream: this variant of the table, started beside it on
# DOWNSTREAM_PORT (BASE_PORT + 100 with BASE_PORT) with the same delay, and stopped with it.
# The Python baselines (the seed's servers) only sleep.
# shellcheck disable=SC2034 # used by measure-point.sh and bench.sh
readonly DOWNSTREAM_VARIANT=async-timerfd DOWNSTREAM_PORT=9100

# downstream_port [BASE_PORT]: the downstream's port for a run, DOWNSTREAM_PORT or
# BASE_PORT + 100 (clear of the variants' ports, BASE_PORT + their place in the list).
downstream_port() {
  if [[ -n ${1:-} ]]; then echo $(($1 + 100)); else echo "$DOWNSTREAM_PORT"; fi
}

# connection_cost NAME: sets COST_FDS COST_THREADS COST_THREAD_CAP (empty: no cap) COST_KIB
# COST_BACKLOG from the table (NAME+http: NAME's row); returns 1 for a variant without a row.
connection_cost() {
  local row _skip
  row=$(variant_row "${1%+http}")
  [[ -n $row ]] || return 1
  # shellcheck disable=SC2034 # read by the callers (scripts/limits.sh, scripts/c10k.sh)
  read -r _skip _skip _skip _skip _skip _skip COST_FDS COST_THREADS COST_THREAD_CAP COST_KIB COST_BACKLOG _skip <<<"$row"
  [[ $COST_THREAD_CAP != - ]] || COST_THREAD_CAP=""
}

# All variant names, one per line.
variant_names() {
  awk '!/^#/ && NF { print $1 }' "$VARIANTS_FILE"
}

# unknown_variant NAME: the error for a variant the table does not have, naming those it has.
unknown_variant() {
  die "unknown variant '$1' (known: $(variant_names | paste -sd ' '))"
}

# variant_lookup NAME: sets V_NAME V_FAMILY V_KIND V_PORT V_BLOCKS V_BOUND_BY V_COMMAND
# (an array) and V_DOWNSTREAM; returns 1 for an unknown name. NAME+http is the Rust variant
# NAME calling a real downstream instead of sleeping (V_DOWNSTREAM=http, else sleep).
variant_lookup() {
  local row name=${1%+http}
  V_DOWNSTREAM="sleep"
  [[ $name == "$1" ]] || V_DOWNSTREAM=http
  row=$(variant_row "$name")
  [[ -n $row ]] || return 1
  local command_text _cost
  read -r V_NAME V_FAMILY V_KIND V_PORT V_BLOCKS V_BOUND_BY _cost _cost _cost _cost _cost command_text <<<"$row"
  read -ra V_COMMAND <<<"$command_text"
  V_COMMAND[0]=${V_COMMAND[0]/#BIN\//$BIN_DIR/}
  V_COMMAND[0]=${V_COMMAND[0]/#PY\//$PYTHON_BASELINES/}
  export V_NAME V_FAMILY V_KIND V_PORT V_BLOCKS V_BOUND_BY V_DOWNSTREAM
  [[ $V_DOWNSTREAM == sleep || $V_FAMILY == rust ]]
}

# bound_of BOUND_BY CONNECTIONS WORKERS DELAY_MS: Little's law for a variant's rule, from the
# report program (`bench-report plan`, the one place it is computed); sets BOUND_CONCURRENCY (how many requests can
# wait at once) and BOUND_REQ_PER_SEC (empty at delay 0).
# shellcheck disable=SC2034 # BOUND_REQ_PER_SEC is read by the callers
bound_of() {
  local key value
  BOUND_CONCURRENCY="" BOUND_REQ_PER_SEC=""
  while IFS='=' read -r key value; do
    case "$key" in
      concurrency) BOUND_CONCURRENCY=$value ;;
      bound_req_per_sec) BOUND_REQ_PER_SEC=$value ;;
    esac
  done < <("$REPORT" plan --rule "$1" --connections "$2" --workers "$3" --delay-ms "$4")
  [[ -n $BOUND_CONCURRENCY ]] || die "bench-report plan failed for rule '$1'"
}

# queue_ms VARIANT CONNECTIONS DELAY WORKERS: how long a full queue takes to serve once where
# the wait blocks a thread (connections x delay / concurrency); 0 where waits overlap.
queue_ms() {
  variant_lookup "$1" || die "unknown variant '$1'"
  if [[ $V_BLOCKS != yes ]]; then
    echo 0
    return
  fi
  bound_of "$V_BOUND_BY" "$2" "$4" "$3"
  echo $(($2 * $3 / BOUND_CONCURRENCY))
}

# ---------------------------------------------------------------------------------------
# Placement: which cores the servers and the load generator (wrk, oha) may run on, from
# PLACEMENT (the Makefile passes it to every target):
#   shared  both on every core this harness may use (the default, as the seed ran)
#   split   the servers on one part of those cores, the load generator on the other
#           (taskset -c), so that neither takes CPU from the other: the first half of the
#           cores (at least one) for the generator, the rest for the servers
# set_placement fills these; begin_run records them in meta.json.
PLACEMENT_MODE="" PLACEMENT_CPUS="" SERVER_CPUS="" CLIENT_CPUS=""
SERVER_PIN=() CLIENT_PIN=()

# expand_cpu_list LIST: "0-2,5" -> "0 1 2 5" (the kernel's cpu-list format).
expand_cpu_list() {
  local part first last cpus=()
  local IFS=,
  for part in $1; do
    [[ $part =~ ^([0-9]+)(-([0-9]+))?$ ]] || return 1
    first=${BASH_REMATCH[1]} last=${BASH_REMATCH[3]:-${BASH_REMATCH[1]}}
    for ((; first <= last; first++)); do cpus+=("$first"); done
  done
  echo "${cpus[@]}"
}

# allowed_cpus: the cores this harness may run on (its Cpus_allowed_list), one line.
allowed_cpus() {
  local key value
  while read -r key value; do
    [[ $key == Cpus_allowed_list: ]] && {
      expand_cpu_list "$value"
      return
    }
  done <"/proc/$$/status"
  return 1
}

# set_placement: $PLACEMENT (default shared) checked and applied; dies with the reason
# where split is impossible (one core, or no taskset), before anything runs.
set_placement() {
  local mode=${PLACEMENT:-shared} cpus=() half
  read -ra cpus <<<"$(allowed_cpus)" || true
  ((${#cpus[@]})) || die "cannot read the cores this process may use from /proc/$$/status"
  PLACEMENT_CPUS=$(
    IFS=,
    echo "${cpus[*]}"
  )
  case "$mode" in
    shared)
      SERVER_CPUS=$PLACEMENT_CPUS CLIENT_CPUS=$PLACEMENT_CPUS SERVER_PIN=() CLIENT_PIN=()
      ;;
    split)
      ((${#cpus[@]} >= 2)) ||
        die "PLACEMENT=split gives the servers and the load generator cores of their own, but this process may use only core ${cpus[0]} (Cpus_allowed_list): run on a machine (or an affinity) with at least 2 cores, or use PLACEMENT=shared"
      command -v taskset >/dev/null ||
        die "PLACEMENT=split pins processes with taskset, which is missing: install util-linux (apt-get install util-linux), or use PLACEMENT=shared"
      half=$((${#cpus[@]} / 2))
      CLIENT_CPUS=$(
        IFS=,
        echo "${cpus[*]:0:half}"
      )
      SERVER_CPUS=$(
        IFS=,
        echo "${cpus[*]:half}"
      )
      # shellcheck disable=SC2034 # read by measure-point.sh
      SERVER_PIN=(taskset -c "$SERVER_CPUS") CLIENT_PIN=(taskset -c "$CLIENT_CPUS")
      ;;
    *) die "unknown PLACEMENT '$mode': shared (servers and load generator on the same cores) or split (each on cores of its own)" ;;
  esac
  PLACEMENT_MODE=$mode
}

# Roles on hosts of their own (SERVER_HOST, DOWNSTREAM_HOST, LOAD_HOSTS), over ssh.
# shellcheck source=hosts.sh
source "$REPO_ROOT/scripts/hosts.sh"

# ---------------------------------------------------------------------------------------
# Processes. TRACKED_PIDS holds every background process we started and not yet reaped.
TRACKED_PIDS=()

track_pid() { TRACKED_PIDS+=("$1"); }
untrack_pid() {
  local pid kept=()
  for pid in "${TRACKED_PIDS[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  TRACKED_PIDS=("${kept[@]}")
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

# stop_tracked_processes: for EXIT traps. Stops everything we started, newest first; a second
# Ctrl-C or SIGTERM meanwhile is ignored, so that it finishes.
stop_tracked_processes() {
  local index pid
  trap '' INT TERM
  restore_output
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

# numbers_escape TEXT: sets ESCAPED to TEXT fit for the value of one line of a point's
# numbers.txt: a backslash, line breaks, tabs and every other control character escaped
# (\\, \n, \r, \t, \xHH), which bench-report reads back. Sets a variable rather than printing:
# no fork per value.
numbers_escape() {
  local text=$1 code hex control
  text=${text//\\/\\\\}
  text=${text//$'\n'/\\n}
  text=${text//$'\r'/\\r}
  text=${text//$'\t'/\\t}
  if [[ $text == *[[:cntrl:]]* ]]; then
    for code in {1..31} 127; do
      printf -v hex '%02x' "$code"
      printf -v control '%b' "\\x$hex"
      text=${text//"$control"/\\x$hex}
    done
  fi
  ESCAPED=$text
}

# numbers_append FILE KEY=VALUE...: one key=value line per pair appended to FILE (a point's
# numbers.txt), each value escaped by numbers_escape, so that no value (a failure message
# with curl's output in it, say) can break a line. The one way the harness writes numbers.txt.
numbers_append() {
  local file=$1 pair key lines=""
  shift
  for pair in "$@"; do
    key=${pair%%=*}
    [[ $pair == *=* && $key =~ ^[A-Za-z0-9_]+$ ]] || die "numbers_append: '$key' is not a key of letters, digits and _"
    numbers_escape "${pair#*=}"
    lines+="$key=$ESCAPED"$'\n'
  done
  printf '%s' "$lines" >>"$file"
}

# ---------------------------------------------------------------------------------------
# Runs. One run = one new folder RESULTS_DIR/<run-id>/ with meta.json, one sub-folder per
# point (written by measure_point), summary.md and summary.csv; RESULTS_DIR/latest points to
# it. The globals below say how far the run got, for the INCOMPLETE note of on_run_exit.
RUN_DIR=""
RUN_FINISHED=no
INTERRUPTED=""
CURRENT_POINT=""
POINTS_DONE=0
POINTS_TOTAL=0

# check_results_dir DIR: exists (or can be created) and is writable, before anything runs.
check_results_dir() {
  local dir=$1 probe
  mkdir -p "$dir" 2>/dev/null || die "cannot create the results folder '$dir': nothing was run. Choose another with RESULTS_DIR=..."
  probe=$(mktemp "$dir/.write-test.XXXXXX" 2>/dev/null) ||
    die "the results folder '$dir' is not writable by $(id -un): nothing was run. Fix its permissions or choose another with RESULTS_DIR=..."
  rm -f "$probe"
}

# take_lock DIR: one harness run per results folder at a time; a second one refuses.
# fd 9 holds the lock until we exit (children are started with 9>&- so none inherits it).
take_lock() {
  local lock="$1/.lock"
  exec 9>>"$lock"
  if ! flock -n 9; then
    die "another harness run is using '$1' ($(cat "$lock" 2>/dev/null || echo 'holder unknown')): wait for it to finish, or run with another RESULTS_DIR and BASE_PORT"
  fi
}

# lock_note DIR TEXT: who holds the lock, for the message of a run that is refused.
lock_note() { printf 'pid %s, %s\n' "$$" "$2" >"$1/.lock"; }

# new_run_dir RESULTS_DIR: a fresh folder named by a sortable UTC timestamp; never reuses one.
new_run_dir() {
  local base run_id suffix=1
  base=$(date -u +%Y%m%dT%H%M%SZ)
  run_id=$base
  until mkdir "$1/$run_id" 2>/dev/null; do
    suffix=$((suffix + 1))
    run_id="$base-$suffix"
    ((suffix < 100)) || die "cannot create a run folder in $1"
  done
  echo "$1/$run_id"
}

# json_value TEXT: a whole number or true/false as is, anything else as a JSON string.
json_value() {
  if [[ $1 =~ ^(0|[1-9][0-9]*|true|false)$ ]]; then printf '%s' "$1"; else json_string "$1"; fi
}

# write_meta FILE KEY=VALUE...: meta.json, one key per line: the run's own settings (given),
# then the machine, the tools and the commit (found here).
write_meta() {
  local file=$1 pair cpu_model rustc wrk_version commit dirty=false os=unknown
  shift
  cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
  rustc=$(rustc --version 2>/dev/null || echo unknown)
  wrk_version=$( (wrk -v 2>&1 || true) | head -n 1)
  wrk_version=${wrk_version%% Copyright*}
  commit=$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
  # Changes to what is measured; results/ (the harness's own output) does not count.
  [[ -n $(git -C "$REPO_ROOT" status --porcelain -- . ':!results' 2>/dev/null) ]] && dirty=true
  [[ -r /etc/os-release ]] && os=$(. /etc/os-release && echo "${PRETTY_NAME:-unknown}")
  {
    echo "{"
    echo "  \"run_id\": $(json_string "$(basename "$RUN_DIR")"),"
    echo "  \"date\": $(json_string "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),"
    for pair in "$@"; do
      echo "  \"${pair%%=*}\": $(json_value "${pair#*=}"),"
    done
    echo "  \"hostname\": $(json_string "$(hostname 2>/dev/null || echo unknown)"),"
    echo "  \"cpu_model\": $(json_string "${cpu_model:-unknown}"),"
    echo "  \"cores\": $(nproc),"
    echo "  \"memory_kb\": $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo),"
    echo "  \"kernel\": $(json_string "$(uname -r)"),"
    echo "  \"os\": $(json_string "$os"),"
    echo "  \"open_files_limit\": $(json_string "$(ulimit -n)"),"
    echo "  \"rustc\": $(json_string "$rustc"),"
    echo "  \"wrk_version\": $(json_string "$wrk_version"),"
    echo "  \"stop_grace_ms\": $SERVER_GRACE_MS,"
    echo "  \"placement\": $(json_string "$PLACEMENT_MODE"),"
    echo "  \"server_cpus\": $(json_string "$SERVER_CPUS"),"
    echo "  \"client_cpus\": $(json_string "$CLIENT_CPUS"),"
    [[ -z $HOSTS_META_JSON ]] || echo "  \"hosts\": $HOSTS_META_JSON,"
    echo "  \"git_commit\": $(json_string "$commit"),"
    echo "  \"git_dirty\": $dirty"
    echo "}"
  } >"$file"
}

# begin_run RESULTS_DIR POINTS_TOTAL META_KEY=VALUE...: checks the placement (unless
# set_placement ran already) and the folder, takes its lock,
# raises the open-files limit, installs the traps, then creates RUN_DIR (marked INCOMPLETE
# until finish_run), points RESULTS_DIR/latest at it and writes meta.json.
begin_run() {
  local results_dir=$1
  POINTS_TOTAL=$2
  shift 2
  [[ -n $PLACEMENT_MODE ]] || set_placement
  check_results_dir "$results_dir"
  take_lock "$results_dir"
  raise_open_files
  trap on_run_exit EXIT
  trap 'INTERRUPTED=SIGINT; exit 130' INT
  trap 'INTERRUPTED=SIGTERM; exit 143' TERM
  [[ $HOSTS_SUPPORTED == yes ]] || hosts_refuse
  hosts_prepare
  RUN_DIR=$(new_run_dir "$results_dir")
  lock_note "$results_dir" "run $RUN_DIR, started $(date -u +%H:%M:%SZ)"
  echo "Running since $(date -u +%H:%M:%SZ)." >"$RUN_DIR/INCOMPLETE"
  ln -sfn "$(basename "$RUN_DIR")" "$results_dir/latest"
  write_meta "$RUN_DIR/meta.json" "$@"
}

# index_of NAME ITEM...: the place of NAME among the ITEMs (the last one if it is there more
# than once), 0 if it is not there.
index_of() {
  local name=$1 i found=0
  shift
  for ((i = 1; i <= $#; i++)); do [[ ${!i} == "$name" ]] && found=$((i - 1)); done
  echo "$found"
}

# end_series STARTED_MS POINTS PREDICTED_MS FAILED SKIPPED WHY_SKIPPED CONTENTS: the last steps
# of a series of points (sweep, latency, C10k): its wall time into elapsed_s, the report
# (finish_run), printed; then where it is (CONTENTS: what the folder holds), how long it took
# against the plan, and the points skipped (WHY_SKIPPED follows "SKIPPED") or failed. Status 1 if a
# point failed.
end_series() {
  local started_ms=$1 points=$2 predicted_ms=$3 failed=$4 skipped=$5 why_skipped=$6 contents=$7
  echo $((($(now_ms) - started_ms) / 1000)) >"$RUN_DIR/elapsed_s"
  finish_run
  cat "$RUN_DIR/summary.md"
  log ""
  log "results: $RUN_DIR ($contents)"
  log "total time: $(minutes "$(($(now_ms) - started_ms))") for $points points (estimated $(minutes "$predicted_ms"))"
  ((skipped == 0)) || log "$skipped point(s) SKIPPED$why_skipped: see the summary"
  if ((failed > 0)); then
    log "$failed of $points point(s) FAILED: see the summary"
    return 1
  fi
}

# finish_run: every point measured; the summary (and charts) replace the INCOMPLETE mark.
finish_run() {
  CURRENT_POINT="the summary"
  rm -f "$RUN_DIR/INCOMPLETE"
  "$REPORT" summarize --quiet "$RUN_DIR"
  RUN_FINISHED=yes
}

# on_run_exit: whatever happened, stop what we started; a run that did not finish is kept,
# marked INCOMPLETE and summarised as far as it got. Further SIGINTs and SIGTERMs (a second
# Ctrl-C while servers drain) are ignored from here on: the clean-up is never cut short.
on_run_exit() {
  local status=$?
  trap '' INT TERM
  restore_output
  set +e
  stop_tracked_processes
  hosts_cleanup
  if [[ -n $RUN_DIR && $RUN_FINISHED != yes ]]; then
    {
      if [[ -n $HOST_LOST ]]; then
        printf 'Stopped at %s: %s' "$(date -u +%H:%M:%SZ)" "$HOST_LOST"
      elif [[ -n $INTERRUPTED ]]; then
        printf 'Interrupted by %s at %s' "$INTERRUPTED" "$(date -u +%H:%M:%SZ)"
      else
        printf 'Stopped by an error (exit %s) at %s' "$status" "$(date -u +%H:%M:%SZ)"
      fi
      printf ' during %s, after %d of %d points.\n' "${CURRENT_POINT:-set-up}" "$POINTS_DONE" "$POINTS_TOTAL"
    } >"$RUN_DIR/INCOMPLETE"
    "$REPORT" summarize --quiet "$RUN_DIR" >&2 || warn "the report of $RUN_DIR failed"
    log "run INCOMPLETE, kept in $RUN_DIR: $(cat "$RUN_DIR/INCOMPLETE")"
  fi
}
