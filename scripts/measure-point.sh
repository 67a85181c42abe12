#!/usr/bin/env bash
# Measure one point: one variant (or one URL) under one load, into one folder.
#
# Usage: scripts/measure-point.sh --out DIR (--variant NAME | --url URL) [options]
#
#   --out DIR          folder for this point (created; must not exist)
#   --variant NAME     a variant of variants.table (started and stopped here);
#                      NAME+http is --variant NAME --downstream http
#   --url URL          an already running server (never started or stopped)
#   --label NAME       the name shown for --url (a variant name also gives its bound)
#   --threads N        wrk threads, clamped to the connections and dividing them (default 4)
#   --connections N    wrk connections (default 100)
#   --duration D       measured wrk duration, e.g. 10s (default 10s)
#   --delay-ms N       the server's simulated downstream wait (default 10)
#   --workers N        the server's handler threads (default 1)
#   --timeout D        wrk --timeout (default 10s)
#   --warmup D         warm-up at full load before the measured run; 0 to skip (default 1s)
#   --primer D         one connection alone for D (wrk -t1 -c1) before any load: the
#                      unloaded latency, hence the effective bound; 0 to skip (default 1s)
#   --host HOST        where variants listen (default 127.0.0.1)
#   --port N           port for the variant (default: its own port from the table)
#   --server-args "A"  more flags for the variant's server, after the table's (e.g.
#                      "--timer-slack 50us"), recorded as server_args
#   --downstream MODE  sleep: GET / waits --delay-ms (the seed's simulated call; default);
#                      http: it calls a real downstream instead, the table's
#                      DOWNSTREAM_VARIANT (scripts/lib.sh) started here with the same
#                      delay; the point is named VARIANT+http (Rust variants only)
#   --downstream-port N           the downstream's port (default 9100)
#   --downstream-pool N           the server's --downstream-pool (default 1024)
#   --downstream-keep-alive-secs N  the server's --downstream-keep-alive-secs (default 15)
#
# PLACEMENT=split (see set_placement in lib.sh) starts the server and the load generator on
# cores of their own with taskset; shared (the default) leaves both on every core.
#
# async-server answers GET /stats (its timer and wake-ups so far): read just before and just
# after the measured run, it gives timer=, timer_slack_us=, loop_wakeups_per_s= and, for
# the timerfd, timer_wakeups_per_s= (with the counts and stats_window_ms they come from).
#
# Writes DIR/numbers.txt (key=value: the settings, the server's CPU, memory and threads from
# /proc, status=ok|failed and why), DIR/wrk.txt and DIR/primer.txt (wrk's output as printed),
# DIR/server.log; with --downstream http also DIR/downstream.log, DIR/downstream-primer.txt
# (the downstream alone, wrk -t1 -c1) and its CPU and memory (downstream_cpu_s, ...). The report program reads those; nothing here parses a figure. Exit status 0
# when the point was measured, 1 when it failed (see numbers.txt).
#
# The only code that runs a load: bench.sh calls measure_point once per variant and run, a
# sweep once per point. Sourced (after lib.sh), it defines measure_point.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

readonly EXPECTED_BODY="Hello, World!"
readonly HEALTH_TIMEOUT_MS=10000 # a release binary answers /health in milliseconds
readonly SAMPLE_SECONDS=0.1      # /proc sampling period during the measured run
WRK_REPORT_LUA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/wrk-report.lua"
readonly WRK_REPORT_LUA
readonly MEASURE_POINT_SCRIPT="${BASH_SOURCE[0]}"

# A function run_wrk calls at each sample with wrk's PID, for samples of one's own (empty: none).
WRK_SAMPLE_HOOK=""
# The point being measured: its settings (P_*) and its state (POINT_*), shared by its phases.
POINT_DIR="" POINT_PROGRESS="" POINT_SERVER_PID="" POINT_URL="" POINT_BASE_URL="" POINT_KNOWN=no
POINT_HAS_STATS=no POINT_DOWNSTREAM_PID="" POINT_DOWNSTREAM_URL="" POINT_SERVER_WATCH="" POINT_DOWNSTREAM_WATCH=""
LOAD_PIDS=() LOAD_DESTS=() LOAD_NAMES=()

# record KEY VALUE: append one line to the point's numbers.txt (VALUE escaped: numbers_append).
record() { numbers_append "$POINT_DIR/numbers.txt" "$1=$2"; }

step() { log "$POINT_PROGRESS $*"; }

# fail_point WHY: record the failure, show it, stop what this point started; returns 1.
fail_point() {
  record status failed
  record failure "$1"
  log "$POINT_PROGRESS FAILED: $1"
  if [[ -n $POINT_SERVER_PID ]]; then
    role_stop server "$POINT_SERVER_PID" "$(point_name server)" "$((SERVER_GRACE_MS * 2))"
    record server_exit "$ENDED"
    POINT_SERVER_PID=""
  fi
  stop_downstream
  point_end_watches
  hosts_reachable
  return 1
}

# point_name ROLE: the name of the point's ROLE process among the run's files on its host.
point_name() { echo "${POINT_DIR##*/}-$1"; }

# point_end_watches: the point's logs back from the hosts of its roles, and its watches ended
# (each ends with the process it watches; a host that stopped answering, by its PID here).
point_end_watches() {
  local watch
  [[ -z $(role_dest server) || -z $POINT_SERVER_WATCH ]] || role_fetch_log server "$(point_name server)" "$POINT_DIR/server.log"
  [[ -z $(role_dest downstream) || -z $POINT_DOWNSTREAM_WATCH ]] || role_fetch_log downstream "$(point_name downstream)" "$POINT_DIR/downstream.log"
  for watch in "$POINT_SERVER_WATCH" "$POINT_DOWNSTREAM_WATCH"; do
    [[ -z $watch ]] || stop_pid "$watch" 3000
  done
  POINT_SERVER_WATCH="" POINT_DOWNSTREAM_WATCH=""
}

# stop_downstream: SIGTERM the point's downstream, if it runs (after the server that calls it).
stop_downstream() {
  [[ -n $POINT_DOWNSTREAM_PID ]] || return 0
  role_stop downstream "$POINT_DOWNSTREAM_PID" "$(point_name downstream)" "$((SERVER_GRACE_MS * 2))"
  record downstream_exit "$ENDED"
  POINT_DOWNSTREAM_PID=""
}

# server_log_tail: the server's last words, indented, for failure messages.
server_log_tail() {
  [[ -s $POINT_DIR/server.log ]] || return 0
  log "  --- last lines of $POINT_DIR/server.log ---"
  tail -n 15 "$POINT_DIR/server.log" | sed 's/^/  | /' >&2
}

# run_wrk OUT_FILE ARGS...: wrk, by run_load.
run_wrk() {
  local out=$1
  shift
  run_load "$out" wrk "$@"
}

# run_load OUT_FILE COMMAND ARGS...: a load generator (wrk, oha) in the background (so signals
# reach our traps at once), sampling the server every SAMPLE_SECONDS while it runs; with
# LOAD_HOSTS, wrk runs on those hosts instead (remote_load_start). If the server dies, the
# generator is told to stop (SIGINT: it still prints what it measured). Sets WRK_EXIT (the
# generator's exit), SERVER_DIED, WRK_CPU_TICKS (the generator's own CPU time, to within one
# sampling period), SAMPLE_THREADS_MAX, SAMPLE_CPU_TICKS, SAMPLE_HWM_KB, and for a point with
# a downstream DOWNSTREAM_CPU_TICKS, DOWNSTREAM_HWM_KB (its death stops the generator too:
# SERVER_DIED=downstream). A server or downstream on a host of its own is watched through
# role_watch (its samples are read by measured_run).
run_load() {
  local out=$1 pid
  shift
  if [[ -n ${LOAD_HOST_LIST[0]:-} && ($1 == wrk || $1 == "${OHA_BIN:-/no oha}") ]]; then
    remote_load_start "$out" "$@"
  else
    "${CLIENT_PIN[@]}" "$@" >"$out" 2>"$out.stderr" 9>&- &
    LOAD_PIDS=("$!") LOAD_DESTS=("")
    track_pid "${LOAD_PIDS[0]}"
  fi
  SERVER_DIED=no
  WRK_CPU_TICKS=0
  while any_alive "${LOAD_PIDS[@]}"; do
    # wrk's own CPU (it shares the cores): the last sample before it exits.
    [[ -n ${LOAD_DESTS[0]} ]] || ! proc_sample "${LOAD_PIDS[0]}" || WRK_CPU_TICKS=$PROC_CPU_TICKS
    if [[ -n $POINT_SERVER_WATCH ]]; then
      pid_alive "$POINT_SERVER_WATCH" || load_stop_early yes
    elif [[ -n $POINT_SERVER_PID ]]; then
      if proc_sample "$POINT_SERVER_PID" && pid_alive "$POINT_SERVER_PID"; then
        SAMPLE_CPU_TICKS=$PROC_CPU_TICKS
        SAMPLE_HWM_KB=$PROC_HWM_KB
        ((PROC_THREADS > SAMPLE_THREADS_MAX)) && SAMPLE_THREADS_MAX=$PROC_THREADS
      else
        load_stop_early yes
      fi
    fi
    if [[ -n $POINT_DOWNSTREAM_WATCH ]]; then
      pid_alive "$POINT_DOWNSTREAM_WATCH" || load_stop_early downstream
    elif [[ -n $POINT_DOWNSTREAM_PID ]]; then
      if proc_sample "$POINT_DOWNSTREAM_PID" && pid_alive "$POINT_DOWNSTREAM_PID"; then
        DOWNSTREAM_CPU_TICKS=$PROC_CPU_TICKS
        DOWNSTREAM_HWM_KB=$PROC_HWM_KB
      else
        load_stop_early downstream
      fi
    fi
    [[ -z $WRK_SAMPLE_HOOK ]] || "$WRK_SAMPLE_HOOK" "${LOAD_PIDS[0]}"
    sleep "$SAMPLE_SECONDS"
  done
  WRK_EXIT=0
  for pid in "${LOAD_PIDS[@]}"; do
    reap "$pid"
    [[ $WRK_EXIT != 0 ]] || WRK_EXIT=$ENDED
  done
  [[ -z ${LOAD_DESTS[0]} ]] || remote_load_finish "$out"
  [[ -s $out.stderr ]] || rm -f "$out.stderr"
}

# any_alive PID...: one of them runs.
any_alive() {
  local pid
  for pid in "$@"; do pid_alive "$pid" && return 0; done
  return 1
}

# load_stop_early WHY: the server (yes) or the downstream died: the generator is told to stop
# (once), here or on its hosts.
load_stop_early() {
  [[ $SERVER_DIED == no ]] || return 0
  SERVER_DIED=$1
  local index
  for index in "${!LOAD_PIDS[@]}"; do
    if [[ -z ${LOAD_DESTS[index]} ]]; then
      kill -INT "${LOAD_PIDS[index]}" 2>/dev/null || true
    else
      agent "${LOAD_DESTS[index]}" stop "$(host_state "${LOAD_DESTS[index]}")" "${LOAD_NAMES[index]}" 1000 </dev/null >/dev/null 2>&1 || true
    fi
  done
}

# machine_cpu_ticks: busy CPU ticks of the whole machine since boot (/proc/stat: user, nice,
# system, irq, softirq, steal; not idle or iowait).
machine_cpu_ticks() {
  local _cpu user nice system _idle _iowait irq softirq steal _rest
  read -r _cpu user nice system _idle _iowait irq softirq steal _rest </proc/stat
  echo $((user + nice + system + irq + softirq + steal))
}

# ticks_to_seconds TICKS: CPU ticks as seconds with two decimals.
ticks_to_seconds() {
  local hz
  hz=$(getconf CLK_TCK)
  printf '%d.%02d' $(($1 / hz)) $(($1 % hz * 100 / hz))
}

# measure_point [options as in the usage above]: the point's phases, in order. Returns 1 if
# one failed (the point is then recorded as failed, with why).
measure_point() {
  point_settings "$@"
  point_start || return 1
  point_check || return 1
  point_unloaded || return 1
  point_warm_up || return 1
  point_measure || return 1
  point_stop || return 1
}

# point_settings [options]: parse and check them, create the folder, record the settings.
point_settings() {
  P_OUT="" P_VARIANT="" P_URL="" P_LABEL="" P_THREADS=4 P_CONNECTIONS=100 P_DURATION=10s P_DELAY_MS=10
  P_WORKERS=1 P_TIMEOUT=10s P_WARMUP=1s P_PRIMER=1s P_HOST=127.0.0.1 P_PORT="" P_SEQ=1 P_RUN=1 POINT_PROGRESS=""
  P_SERVER_ARGS="" P_DOWNSTREAM=sleep P_DOWNSTREAM_PORT=$DOWNSTREAM_PORT P_DOWNSTREAM_POOL=1024
  P_DOWNSTREAM_KEEP_ALIVE=15
  # shellcheck disable=SC2034 # read by parse_options
  local -A spec=([--out]=P_OUT [--variant]=P_VARIANT [--url]=P_URL [--label]=P_LABEL [--threads]=P_THREADS
    [--connections]=P_CONNECTIONS [--duration]=P_DURATION [--delay-ms]=P_DELAY_MS [--workers]=P_WORKERS
    [--timeout]=P_TIMEOUT [--warmup]=P_WARMUP [--primer]=P_PRIMER [--host]=P_HOST [--port]=P_PORT
    [--seq]=P_SEQ [--run]=P_RUN [--progress]=POINT_PROGRESS [--server-args]=P_SERVER_ARGS
    [--downstream]=P_DOWNSTREAM [--downstream-port]=P_DOWNSTREAM_PORT [--downstream-pool]=P_DOWNSTREAM_POOL
    [--downstream-keep-alive-secs]=P_DOWNSTREAM_KEEP_ALIVE)
  USAGE_FILE=$MEASURE_POINT_SCRIPT parse_options spec "$@"
  [[ -n $P_OUT ]] || die "measure_point: --out is required"
  [[ -n $P_VARIANT || -n $P_URL ]] || die "measure_point: --variant or --url is required"
  require_whole_numbers "$P_THREADS" "$P_CONNECTIONS" "$P_DELAY_MS" "$P_WORKERS" "$P_SEQ" "$P_RUN" ${P_PORT:+"$P_PORT"} \
    "$P_DOWNSTREAM_PORT" "$P_DOWNSTREAM_POOL" "$P_DOWNSTREAM_KEEP_ALIVE"
  require_durations duration="$P_DURATION" timeout="$P_TIMEOUT" warm-up="$P_WARMUP" primer="$P_PRIMER"
  ((P_CONNECTIONS > 0 && P_WORKERS > 0)) || die "measure_point: --connections and --workers must be at least 1"
  # wrk gives each thread connections / threads (integer division): -t4 -c10 opens only 8
  # connections. Fewer threads, so that every connection asked for is opened.
  local asked=$P_THREADS
  ((P_THREADS > P_CONNECTIONS)) && P_THREADS=$P_CONNECTIONS
  ((P_THREADS > 0)) || P_THREADS=1
  while ((P_CONNECTIONS % P_THREADS != 0)); do P_THREADS=$((P_THREADS - 1)); done

  if [[ $P_VARIANT == *+http ]]; then
    P_VARIANT=${P_VARIANT%+http} P_DOWNSTREAM=http
  fi
  local name=${P_LABEL:-${P_VARIANT:-url}}
  case "$P_DOWNSTREAM" in
    sleep) ;;
    http)
      [[ -n $P_VARIANT ]] || die "measure_point: --downstream http needs --variant: the harness starts the downstream beside the server it starts"
      variant_lookup "$P_VARIANT" || unknown_variant "$P_VARIANT"
      [[ $V_FAMILY == rust ]] || die "$P_VARIANT makes no real downstream call (the Python baselines only sleep): use --downstream sleep"
      name="$name+http"
      ;;
    *) die "unknown downstream '$P_DOWNSTREAM': sleep (the simulated wait) or http (a real call)" ;;
  esac
  POINT_DIR=$P_OUT
  mkdir "$POINT_DIR" || die "cannot create $POINT_DIR"
  POINT_SERVER_PID="" POINT_KNOWN=no POINT_HAS_STATS=no POINT_DOWNSTREAM_PID="" POINT_DOWNSTREAM_URL=""
  POINT_SERVER_WATCH="" POINT_DOWNSTREAM_WATCH=""
  SAMPLE_THREADS_MAX=0 SAMPLE_CPU_TICKS=0 SAMPLE_HWM_KB=0 DOWNSTREAM_CPU_TICKS=0 DOWNSTREAM_HWM_KB=0
  if [[ -n $P_VARIANT ]]; then
    variant_lookup "$P_VARIANT" || unknown_variant "$P_VARIANT"
    POINT_KNOWN=yes
  elif [[ -n $P_LABEL ]] && variant_lookup "$P_LABEL"; then
    POINT_KNOWN=yes
  fi
  [[ -n $POINT_PROGRESS ]] || POINT_PROGRESS="$name:"

  record variant "$name"
  record seq "$P_SEQ"
  record run "$P_RUN"
  record started "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  record status running
  record threads "$P_THREADS"
  ((P_THREADS == asked)) ||
    step "wrk -t$P_THREADS, not -t$asked: wrk gives each thread connections / threads, so -t$asked -c$P_CONNECTIONS would open only $((P_CONNECTIONS / asked * asked)) connections"
  local key
  for key in connections duration delay_ms workers timeout warmup primer downstream; do
    local setting=P_${key^^}
    record "$key" "${!setting}"
  done
  [[ $POINT_KNOWN == yes ]] || return 0
  record family "$V_FAMILY"
  record kind "$V_KIND"
  record blocks "$V_BLOCKS"
  record bound_by "$V_BOUND_BY"
  # Little's law warns ahead: a blocked queue of this depth outlives wrk's timeout (which a
  # request can only reach if the run lasts that long: the measured run starts empty).
  if [[ $V_BLOCKS == yes ]]; then
    local queue
    queue=$(queue_ms "$V_NAME" "$P_CONNECTIONS" "$P_DELAY_MS" "$P_WORKERS")
    ((queue < $(duration_ms "$P_TIMEOUT") || $(duration_ms "$P_DURATION") < $(duration_ms "$P_TIMEOUT"))) ||
      warn "$name: expected latency ~${queue} ms (connections x delay / threads) >= wrk --timeout $P_TIMEOUT: requests will time out"
  fi
}

# point_start: for a variant, start its server on a free port and wait until it is healthy
# (and is the one listening there); for a URL, nothing is started.
point_start() {
  if [[ -n $P_URL ]]; then
    POINT_BASE_URL=${P_URL%/}
    POINT_URL=$P_URL
    record url "$POINT_URL"
    record started_by_harness no
    step "using $POINT_URL (not started or stopped by this harness)"
    return 0
  fi
  local port=${P_PORT:-$V_PORT}
  role_address server "$P_HOST"
  local listen=$ROLE_LISTEN reach=$ROLE_REACH where
  where=$(role_where server)
  POINT_BASE_URL="http://$reach:$port"
  POINT_URL="$POINT_BASE_URL/"
  record url "$POINT_URL"
  record started_by_harness yes
  if port_in_use "$reach" "$port"; then
    fail_point "port $port on $reach is already in use by a process this harness did not start (another run? pick other ports with BASE_PORT=...)"
    return 1
  fi
  if [[ $P_DOWNSTREAM == http ]]; then
    point_start_downstream || return 1
    variant_lookup "$P_VARIANT" # the server's row again, after the downstream's
  fi
  local command=("${V_COMMAND[@]}" --addr "$listen:$port" --delay-ms "$P_DELAY_MS") extra=()
  [[ $V_FAMILY == rust ]] && command+=(--workers "$P_WORKERS")
  [[ -z $POINT_DOWNSTREAM_URL ]] || command+=(--downstream "$POINT_DOWNSTREAM_URL"
    --downstream-pool "$P_DOWNSTREAM_POOL" --downstream-keep-alive-secs "$P_DOWNSTREAM_KEEP_ALIVE")
  if [[ -n $P_SERVER_ARGS ]]; then
    read -ra extra <<<"$P_SERVER_ARGS"
    command+=("${extra[@]}")
    record server_args "$P_SERVER_ARGS"
  fi
  [[ ${command[0]##*/} == async-server ]] && POINT_HAS_STATS=yes
  if [[ ! -x ${command[0]} ]]; then
    if [[ $V_FAMILY == rust ]]; then
      fail_point "${command[0]} not found: run 'make build' first"
    else
      fail_point "${command[0]} not found: the Python baselines are not in this checkout"
    fi
    return 1
  fi
  if [[ $V_FAMILY == python && -n $where ]]; then
    fail_point "$P_VARIANT is one of the Python baselines, which run on this machine only: drop SERVER_HOST for it"
    return 1
  fi
  if [[ $V_FAMILY == python && ! -d $PYTHON_BASELINES/.venv ]]; then
    step "one-time set-up of the Python baselines: baselines/python/setup.sh"
    "$PYTHON_BASELINES/setup.sh" >&2 || {
      fail_point "baselines/python/setup.sh failed"
      return 1
    }
  fi
  record command "${command[*]}"
  step "starting ${command[*]#"$REPO_ROOT"/}$where"
  role_start server "$(point_name server)" "$POINT_DIR/server.log" "${command[@]}"
  POINT_SERVER_PID=$STARTED_PID
  echo "$POINT_SERVER_PID" >"$POINT_DIR/server.pid"
  record server_pid "$POINT_SERVER_PID"
  [[ -z $where ]] || record server_host "$(role_dest server)"
  if ! wait_healthy server "$POINT_BASE_URL/health" "$POINT_SERVER_PID"; then
    role_alive server "$POINT_SERVER_PID" || POINT_SERVER_PID=""
    role_fetch_log server "$(point_name server)" "$POINT_DIR/server.log"
    server_log_tail
    fail_point "$HEALTH_FAILURE"
    return 1
  fi
  if ! role_listens server "$POINT_SERVER_PID" "$port"; then
    fail_point "port $port answers, but not from the server this harness started (pid $POINT_SERVER_PID$where): another process listens there"
    return 1
  fi
  role_watch server "$POINT_SERVER_PID" "$POINT_DIR/server-samples.txt"
  POINT_SERVER_WATCH=$WATCH_PID
  step "healthy after ${HEALTH_MS} ms (pid $POINT_SERVER_PID$where)"
}

# point_start_downstream: the real downstream (DOWNSTREAM_VARIANT, at the point's delay) on
# its own port, healthy and the one listening there; sets POINT_DOWNSTREAM_URL.
point_start_downstream() {
  local port=$P_DOWNSTREAM_PORT where
  role_address downstream "$P_HOST"
  local listen=$ROLE_LISTEN reach=$ROLE_REACH
  where=$(role_where downstream)
  if port_in_use "$reach" "$port"; then
    fail_point "the downstream's port $port on $reach is already in use by a process this harness did not start (pick another with BASE_PORT=...)"
    return 1
  fi
  variant_lookup "$DOWNSTREAM_VARIANT" || die "DOWNSTREAM_VARIANT $DOWNSTREAM_VARIANT is not in the variant table"
  local command=("${V_COMMAND[@]}" --addr "$listen:$port" --delay-ms "$P_DELAY_MS" --workers 1)
  if [[ ! -x ${command[0]} ]]; then
    fail_point "${command[0]} not found: run 'make build' first"
    return 1
  fi
  record downstream_variant "$DOWNSTREAM_VARIANT"
  record downstream_command "${command[*]}"
  record downstream_pool "$P_DOWNSTREAM_POOL"
  record downstream_keep_alive_secs "$P_DOWNSTREAM_KEEP_ALIVE"
  step "starting the downstream: ${command[*]#"$REPO_ROOT"/}$where"
  # A server's role, so on the servers' cores (PLACEMENT=split).
  role_start downstream "$(point_name downstream)" "$POINT_DIR/downstream.log" "${command[@]}"
  POINT_DOWNSTREAM_PID=$STARTED_PID
  record downstream_pid "$POINT_DOWNSTREAM_PID"
  [[ -z $where ]] || record downstream_host "$(role_dest downstream)"
  if ! wait_healthy downstream "http://$reach:$port/health" "$POINT_DOWNSTREAM_PID"; then
    role_alive downstream "$POINT_DOWNSTREAM_PID" || POINT_DOWNSTREAM_PID=""
    role_fetch_log downstream "$(point_name downstream)" "$POINT_DIR/downstream.log"
    fail_point "the downstream: $HEALTH_FAILURE (see downstream.log)"
    return 1
  fi
  if ! role_listens downstream "$POINT_DOWNSTREAM_PID" "$port"; then
    fail_point "port $port answers, but not from the downstream this harness started (pid $POINT_DOWNSTREAM_PID$where): another process listens there"
    return 1
  fi
  role_watch downstream "$POINT_DOWNSTREAM_PID" "$POINT_DIR/downstream-samples.txt"
  POINT_DOWNSTREAM_WATCH=$WATCH_PID
  POINT_DOWNSTREAM_URL="http://$reach:$port/"
  record downstream_url "$POINT_DOWNSTREAM_URL"
  step "downstream healthy after ${HEALTH_MS} ms (pid $POINT_DOWNSTREAM_PID$where)"
}

# wait_healthy ROLE URL PID: poll URL every 50 ms until it answers 200, while ROLE's PID lives
# (one that exits is reaped).
wait_healthy() {
  local role=$1 url=$2 pid=$3 started deadline
  started=$(now_ms)
  deadline=$((started + HEALTH_TIMEOUT_MS))
  while (($(now_ms) < deadline)); do
    if ! role_alive "$role" "$pid"; then
      role_reap "$role" "$pid" "$(point_name "$role")"
      HEALTH_FAILURE="the $role exited before answering /health (exit: $ENDED)"
      return 1
    fi
    if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then
      HEALTH_MS=$(($(now_ms) - started))
      return 0
    fi
    sleep 0.05
  done
  HEALTH_FAILURE="no answer from $url within $((HEALTH_TIMEOUT_MS / 1000))s"
  return 1
}

# point_check: GET / answers 200 (for one of our variants: with the expected body, and not
# faster than the delay; for any other server: any 2xx), then a few more requests on one
# keep-alive connection: the first requests through a cold server.
point_check() {
  local body_file="$POINT_DIR/check-body.txt" out code seconds
  # curl's -w figures on stdout, its complaint on stderr: a failure quotes the complaint alone.
  out=$(curl -sS -o "$body_file" -w '%{http_code} %{time_total}' --max-time 30 "$POINT_URL" 2>"$POINT_DIR/check.stderr") || {
    fail_point "GET $POINT_URL failed: $(<"$POINT_DIR/check.stderr")"
    return 1
  }
  rm -f "$POINT_DIR/check.stderr"
  read -r code seconds <<<"$out"
  # curl prints seconds with six decimals ("0.011640"): whole microseconds, without a float.
  local fraction=${seconds#*.}000000
  local elapsed_us=$((10#${seconds%.*} * 1000000 + 10#${fraction:0:6}))
  local elapsed_ms
  elapsed_ms=$(printf '%d.%d' $((elapsed_us / 1000)) $((elapsed_us % 1000 / 100)))
  record check_status "$code"
  record check_ms "$elapsed_ms"
  step "GET $POINT_URL -> $code in ${elapsed_ms} ms"
  local failure=""
  if [[ $POINT_KNOWN != yes ]]; then
    [[ $code == 2?? ]] || failure="GET $POINT_URL answered $code, expected a 2xx status"
  elif [[ $code != 200 ]]; then
    failure="GET $POINT_URL answered $code, expected 200"
  elif [[ $(<"$body_file") != "$EXPECTED_BODY" ]]; then
    failure="GET $POINT_URL answered '$(head -c 80 "$body_file")', expected '$EXPECTED_BODY'"
  elif ((elapsed_us < P_DELAY_MS * 1000)); then
    failure="GET $POINT_URL took ${elapsed_ms} ms, less than the ${P_DELAY_MS} ms delay: is the server running with --delay-ms $P_DELAY_MS?"
  fi
  if [[ -n $failure ]]; then
    fail_point "$failure"
    return 1
  fi
  local primer_urls=("$POINT_URL" "$POINT_URL" "$POINT_URL" "$POINT_URL" "$POINT_URL")
  if ! curl -fsS -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null --max-time 30 "${primer_urls[@]}" 2>"$POINT_DIR/primer.stderr"; then
    fail_point "the primer (5 requests to $POINT_URL) failed: $(head -c 200 "$POINT_DIR/primer.stderr")"
    return 1
  fi
  rm -f "$POINT_DIR/primer.stderr"
}

# point_unloaded: one connection, one request at a time (wrk -t1 -c1, kept as primer.txt):
# what one request really costs (the delay, the timer's granularity, the round trip). The
# report divides the concurrency by it for the effective bound.
point_unloaded() {
  [[ $P_PRIMER != 0 ]] || return 0
  step "unloaded latency: wrk -t1 -c1 -d$P_PRIMER"
  local primer_load=(wrk -t1 -c1 -d"$P_PRIMER" --timeout "$P_TIMEOUT" --latency -s "$WRK_REPORT_LUA" "$POINT_URL")
  # The report reads primer.txt as this command wrote it: with wrk-report.lua's JSON line.
  record primer_command "${primer_load[*]}"
  run_load "$POINT_DIR/primer.txt" "${primer_load[@]}"
  local figures
  if [[ $WRK_EXIT != 0 ]] || ! figures=$("$REPORT" wrk --json-line "$POINT_DIR/primer.txt" 2>&1); then
    fail_point "the unloaded-latency primer (wrk -t1 -c1 -d$P_PRIMER) failed: ${figures:-wrk exited with $WRK_EXIT} (see primer.txt)"
    return 1
  fi
  step "unloaded: $figures"
  [[ -n $POINT_DOWNSTREAM_URL ]] || return 0
  # The downstream alone, as the server's calls find it unloaded: the real call's own latency.
  primer_load=(wrk -t1 -c1 -d"$P_PRIMER" --timeout "$P_TIMEOUT" --latency -s "$WRK_REPORT_LUA" "$POINT_DOWNSTREAM_URL")
  record downstream_primer_command "${primer_load[*]}"
  run_load "$POINT_DIR/downstream-primer.txt" "${primer_load[@]}"
  if [[ $WRK_EXIT != 0 ]] || ! figures=$("$REPORT" wrk --json-line "$POINT_DIR/downstream-primer.txt" 2>&1); then
    fail_point "the downstream's unloaded-latency primer (wrk -t1 -c1 -d$P_PRIMER $POINT_DOWNSTREAM_URL) failed: ${figures:-wrk exited with $WRK_EXIT} (see downstream-primer.txt)"
    return 1
  fi
  step "the downstream alone: $figures"
}

# point_warm_up: the load itself, briefly and unmeasured; then wait for a blocked server to
# drain the queue the warm-up's closed connections left (its /health waits in that queue).
point_warm_up() {
  [[ $P_WARMUP != 0 ]] || return 0
  step "warm-up: wrk -t$P_THREADS -c$P_CONNECTIONS --timeout $P_TIMEOUT -d$P_WARMUP"
  run_wrk "$POINT_DIR/warmup.txt" -t"$P_THREADS" -c"$P_CONNECTIONS" --timeout "$P_TIMEOUT" -d"$P_WARMUP" "$POINT_URL"
  if [[ -n $POINT_SERVER_PID ]] && ! curl -fsS -o /dev/null --max-time "$(($(duration_ms "$P_TIMEOUT") / 1000 + 1))" "$POINT_BASE_URL/health"; then
    server_log_tail
    fail_point "the server did not answer /health after the warm-up"
    return 1
  fi
}

# point_measure: the measured wrk run (--latency, the Lua JSON line), sampling the server's,
# wrk's and the machine's CPU meanwhile.
point_measure() {
  local wrk_args=(-t"$P_THREADS" -c"$P_CONNECTIONS" --timeout "$P_TIMEOUT" -d"$P_DURATION" --latency -s "$WRK_REPORT_LUA" "$POINT_URL")
  measured_run "$POINT_DIR/wrk.txt" wrk wrk "${wrk_args[@]}"
}

# measured_run OUT_FILE NAME COMMAND ARGS...: the measured load (NAME: wrk or oha, the prefix
# of its numbers.txt keys), sampling the server's, the generator's and the machine's CPU.
measured_run() {
  local out=$1 name=$2 cpu_before="" machine_before downstream_before=""
  shift 2
  machine_before=$(machine_cpu_ticks)
  if [[ -n $POINT_SERVER_PID ]] && role_sample server "$POINT_SERVER_PID"; then
    cpu_before=$PROC_CPU_TICKS
  fi
  if [[ -n $POINT_DOWNSTREAM_PID ]] && role_sample downstream "$POINT_DOWNSTREAM_PID"; then
    downstream_before=$PROC_CPU_TICKS
  fi
  record "${name}_command" "$*"
  step "${*/#"$REPO_ROOT"\//}"
  record measure_started "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  local stats_before="" stats_started_ms=0
  if [[ $POINT_HAS_STATS == yes ]] && stats_before=$(server_stats); then stats_started_ms=$(now_ms); fi
  run_load "$out" "$@"
  record "${name}_exit" "$WRK_EXIT"
  # A role on a host of its own: its CPU read once more there, its peak memory and threads
  # from the samples of its watch (one a second).
  if [[ -n $POINT_SERVER_WATCH && $SERVER_DIED == no ]] && role_sample server "$POINT_SERVER_PID"; then
    SAMPLE_CPU_TICKS=$PROC_CPU_TICKS
    watch_summary "$POINT_DIR/server-samples.txt"
    SAMPLE_HWM_KB=$PROC_HWM_KB SAMPLE_THREADS_MAX=$WATCH_THREADS_MAX
    ((PROC_THREADS <= SAMPLE_THREADS_MAX)) || SAMPLE_THREADS_MAX=$PROC_THREADS
  fi
  if [[ -n $POINT_DOWNSTREAM_WATCH && $SERVER_DIED == no ]] && role_sample downstream "$POINT_DOWNSTREAM_PID"; then
    DOWNSTREAM_CPU_TICKS=$PROC_CPU_TICKS DOWNSTREAM_HWM_KB=$PROC_HWM_KB
  fi
  [[ -z $stats_before ]] || record_wakeups "$stats_before" "$stats_started_ms"
  # The whole machine's busy CPU during the run: server, wrk, and anything else running (not
  # recorded where the server ran on another machine: this one's would be no figure of its).
  ! server_here || record machine_cpu_busy_s "$(ticks_to_seconds $(($(machine_cpu_ticks) - machine_before)))"
  record client_cpu_s "$(ticks_to_seconds "$WRK_CPU_TICKS")"
  if [[ -n $cpu_before ]]; then
    record server_cpu_s "$(ticks_to_seconds $((SAMPLE_CPU_TICKS - cpu_before)))"
    record server_peak_rss_kb "$SAMPLE_HWM_KB"
    record server_threads_max "$SAMPLE_THREADS_MAX"
  fi
  if [[ -n $downstream_before ]]; then
    record downstream_cpu_s "$(ticks_to_seconds $((DOWNSTREAM_CPU_TICKS - downstream_before)))"
    record downstream_peak_rss_kb "$DOWNSTREAM_HWM_KB"
  fi
}

# server_stats: the started server's GET /stats, as key=value lines (async-server only).
server_stats() {
  [[ -n $POINT_SERVER_PID ]] || return 1
  curl -fsS --max-time 2 "$POINT_BASE_URL/stats" 2>/dev/null
}

# stats_value KEY TEXT: KEY's value among TEXT's key=value lines (empty: none).
stats_value() {
  local line
  while IFS= read -r line; do
    [[ $line == "$1="* ]] && {
      echo "${line#*=}"
      return
    }
  done <<<"$2"
}

# record_wakeups BEFORE STARTED_MS: GET /stats again; records the timer, its slack, and the
# wake-ups between the two reads, counted and per second of that window. Nothing if the
# second read fails (the server died: the point fails on that, not here).
record_wakeups() {
  local before=$1 started_ms=$2 after window_ms key count
  after=$(server_stats) || return 0
  window_ms=$(($(now_ms) - started_ms))
  ((window_ms > 0)) || window_ms=1
  record timer "$(stats_value timer "$after")"
  [[ -z $(stats_value timer_slack_us "$after") ]] || record timer_slack_us "$(stats_value timer_slack_us "$after")"
  record stats_window_ms "$window_ms"
  for key in loop_wakeups timer_wakeups; do
    [[ -n $(stats_value "$key" "$after") && -n $(stats_value "$key" "$before") ]] || continue
    count=$(($(stats_value "$key" "$after") - $(stats_value "$key" "$before")))
    record "$key" "$count"
    record "${key}_per_s" "$(((count * 1000 + window_ms / 2) / window_ms))"
  done
}

# point_stop: SIGTERM the server (it must exit 0), then the point's verdict: measured, or
# failed because the server died, wrk failed or printed no results.
point_stop() {
  point_stop_server wrk wrk.txt || return 1
  point_verdict wrk wrk.txt
}

# point_stop_server TOOL FILE: SIGTERM the server (it must exit 0); the point fails if the
# server died during the measured run (TOOL was stopped, its partial output left in FILE).
point_stop_server() {
  # A role on a host of its own that seems gone: its host first (a lost host ends the run).
  [[ $SERVER_DIED != yes ]] || hosts_reachable server
  [[ $SERVER_DIED != downstream ]] || hosts_reachable downstream
  if [[ $SERVER_DIED == downstream ]]; then
    role_reap downstream "$POINT_DOWNSTREAM_PID" "$(point_name downstream)"
    POINT_DOWNSTREAM_PID=""
    record downstream_exit "$ENDED"
    fail_point "the downstream died during the measured run (exit: $ENDED); $1 was stopped, its partial output is in $2 (see downstream.log)"
    return 1
  fi
  if [[ -n $POINT_SERVER_PID ]]; then
    if [[ $SERVER_DIED == yes ]] || ! role_alive server "$POINT_SERVER_PID"; then
      role_reap server "$POINT_SERVER_PID" "$(point_name server)"
      POINT_SERVER_PID=""
      record server_exit "$ENDED"
      role_fetch_log server "$(point_name server)" "$POINT_DIR/server.log"
      server_log_tail
      fail_point "the server died during the measured run (exit: $ENDED); $1 was stopped, its partial output is in $2"
      return 1
    fi
    role_stop server "$POINT_SERVER_PID" "$(point_name server)" "$((SERVER_GRACE_MS * 2))"
    POINT_SERVER_PID=""
    record server_exit "$ENDED"
    if [[ $ENDED == 0 ]]; then step "stopped with SIGTERM: exit 0"; else warn "${P_LABEL:-$P_VARIANT} did not stop cleanly: $ENDED"; fi
  fi
  if [[ -n $POINT_DOWNSTREAM_PID ]]; then
    stop_downstream
    [[ $ENDED == 0 ]] || warn "the downstream did not stop cleanly: $ENDED"
  fi
  point_end_watches
}

# point_verdict TOOL FILE: measured if TOOL (wrk or oha) exited 0 and bench-report reads
# its results from FILE (wrk's with the JSON line of wrk-report.lua); failed otherwise.
point_verdict() {
  local tool=$1 file="$POINT_DIR/$2" read_results=("$REPORT" "$1")
  [[ $tool != wrk ]] || read_results+=(--json-line)
  if [[ $WRK_EXIT != 0 ]]; then
    fail_point "$tool exited with $WRK_EXIT: $(head -c 300 "$file.stderr" 2>/dev/null)"
    return 1
  fi
  local figures
  if ! figures=$("${read_results[@]}" "$file" 2>&1); then
    fail_point "$tool printed no results: $figures"
    return 1
  fi
  record status ok
  step "$figures"
}

main() {
  # shellcheck source=lib.sh
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
  (($#)) || {
    print_usage "$MEASURE_POINT_SCRIPT" >&2
    exit 2
  }
  require_report
  trap stop_tracked_processes EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  raise_open_files
  set_placement
  measure_point "$@"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
