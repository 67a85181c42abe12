#!/usr/bin/env bash
# Measure one point: one variant (or one URL) under one load, into one folder.
#
# The only code that runs a load: bench.sh calls measure_point once per variant and run,
# a sweep calls it once per point. Run directly it measures a single point:
#   scripts/measure-point.sh --out /tmp/p --variant async-server --connections 100 --duration 3s
# Sourced, it defines measure_point (and needs lib.sh sourced first).
#
# Steps for a variant: port free? -> start the release binary -> poll /health -> check
# GET / (200, body, >= delay) -> primer (5 requests, then wrk -t1 -c1 for the unloaded
# latency) -> warm-up -> wait for the warm-up's queue to drain -> measured wrk run
# (--latency, --timeout, Lua JSON line) while sampling /proc -> SIGTERM. For --url nothing is started or stopped: only the check (any 2xx unless
# --label names a variant), the primer and the wrk runs.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

readonly EXPECTED_BODY="Hello, World!"
readonly HEALTH_TIMEOUT_MS=10000 # a release binary answers /health in milliseconds
readonly STOP_GRACE_MS=10000     # graceful stop: in-flight requests are finished first
readonly SAMPLE_SECONDS=0.1      # /proc sampling period during the measured run
WRK_REPORT_LUA="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/wrk-report.lua"
PARSE_WRK_AWK="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/parse-wrk.awk"
readonly WRK_REPORT_LUA PARSE_WRK_AWK

usage() {
  cat <<'EOF'
Usage: scripts/measure-point.sh --out DIR (--variant NAME | --url URL) [options]

  --out DIR          folder for this point (created; must not exist)
  --variant NAME     a variant from the table in scripts/lib.sh (started and stopped here)
  --url URL          an already running server (never started or stopped)
  --label NAME       the name shown for --url (a variant name also gives its bound)
  --threads N        wrk threads, clamped to the connections (default 4)
  --connections N    wrk connections (default 100)
  --duration D       measured wrk duration, e.g. 10s (default 10s)
  --delay-ms N       the server's simulated downstream wait (default 10)
  --workers N        the server's handler threads (default 1)
  --timeout D        wrk --timeout (default 10s)
  --warmup D         warm-up at full load before the measured run; 0 to skip (default 1s)
  --primer D         one connection alone for D (wrk -t1 -c1) before any load: the unloaded
                     latency, and from it the effective bound; 0 to skip (default 1s)
  --host HOST        where variants listen (default 127.0.0.1)
  --port N           port for the variant (default: its own port from the table)

Writes DIR/wrk.txt (wrk's output as printed), DIR/primer.txt (the unloaded run), DIR/numbers.txt (key=value: settings, parsed
wrk numbers, server CPU/RSS/threads, status=ok|failed and why), DIR/server.log.
Exit status 0 when the point was measured, 1 when it failed (see numbers.txt).
EOF
}

# The point being measured, for the helpers below.
POINT_DIR=""
POINT_PROGRESS=""

# record KEY VALUE: append one line to the point's numbers.txt.
record() { printf '%s=%s\n' "$1" "$2" >>"$POINT_DIR/numbers.txt"; }

step() { log "$POINT_PROGRESS $*"; }

# fail_point WHY: record the failure, show it, stop what this point started; returns 1.
fail_point() {
  record status failed
  record failure "$1"
  log "$POINT_PROGRESS FAILED: $1"
  if [[ -n ${POINT_SERVER_PID:-} ]]; then
    stop_pid "$POINT_SERVER_PID" "$STOP_GRACE_MS"
    record server_exit "$ENDED"
    POINT_SERVER_PID=""
  fi
  return 1
}

# server_log_tail: the server's last words, indented, for failure messages.
server_log_tail() {
  [[ -s $POINT_DIR/server.log ]] || return 0
  log "  --- last lines of $POINT_DIR/server.log ---"
  tail -n 15 "$POINT_DIR/server.log" | sed 's/^/  | /' >&2
}

# wait_healthy URL PID: poll URL every 50 ms until it answers 200, while PID lives.
wait_healthy() {
  local url=$1 pid=$2 started deadline
  started=$(now_ms)
  deadline=$((started + HEALTH_TIMEOUT_MS))
  while (($(now_ms) < deadline)); do
    if ! pid_alive "$pid"; then
      reap "$pid"
      HEALTH_FAILURE="the server exited before answering /health (exit: $ENDED)"
      POINT_SERVER_PID=""
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

# check_root URL DELAY_MS KNOWN: GET / answers 200; for one of our variants (KNOWN=yes) also
# with the expected body and not faster than the delay; for any other server, any 2xx.
# Sets CHECK_FAILURE when it doesn't.
check_root() {
  local url=$1 delay_ms=$2 known=$3 body_file="$POINT_DIR/check-body.txt" out code seconds elapsed_ms
  out=$(curl -sS -o "$body_file" -w '%{http_code} %{time_total}' --max-time 30 "$url" 2>&1) || {
    CHECK_FAILURE="GET $url failed: $out"
    return 1
  }
  read -r code seconds <<<"$out"
  elapsed_ms=$(awk -v s="$seconds" 'BEGIN { printf "%.1f", s * 1000 }')
  record check_status "$code"
  record check_ms "$elapsed_ms"
  step "GET $url -> $code in ${elapsed_ms} ms"
  if [[ $known != yes ]]; then
    [[ $code == 2?? ]] && return 0
    CHECK_FAILURE="GET $url answered $code, expected a 2xx status"
    return 1
  fi
  if [[ $code != 200 ]]; then
    CHECK_FAILURE="GET $url answered $code, expected 200"
    return 1
  fi
  if [[ $(<"$body_file") != "$EXPECTED_BODY" ]]; then
    CHECK_FAILURE="GET $url answered '$(head -c 80 "$body_file")', expected '$EXPECTED_BODY'"
    return 1
  fi
  if awk -v e="$elapsed_ms" -v d="$delay_ms" 'BEGIN { exit !(e < d) }'; then
    CHECK_FAILURE="GET $url took ${elapsed_ms} ms, less than the ${delay_ms} ms delay: is the server running with --delay-ms $delay_ms?"
    return 1
  fi
}

# run_wrk OUT_FILE ARGS...: wrk in the background (so signals reach our traps at once),
# sampling the server every SAMPLE_SECONDS while it runs. If the server dies, wrk is told to
# stop (SIGINT: it still prints what it measured). Sets WRK_EXIT, SERVER_DIED, WRK_CPU_TICKS
# (wrk's own CPU time, to within one sampling period), SAMPLE_THREADS_MAX, SAMPLE_CPU_TICKS,
# SAMPLE_HWM_KB.
run_wrk() {
  local out=$1 wrk_pid
  shift
  wrk "$@" >"$out" 2>"$out.stderr" 9>&- &
  wrk_pid=$!
  track_pid "$wrk_pid"
  SERVER_DIED=no
  WRK_CPU_TICKS=0
  while pid_alive "$wrk_pid"; do
    # wrk's own CPU (it shares the cores): the last sample before it exits.
    proc_sample "$wrk_pid" && WRK_CPU_TICKS=$PROC_CPU_TICKS
    if [[ -n ${POINT_SERVER_PID:-} ]]; then
      if proc_sample "$POINT_SERVER_PID" && pid_alive "$POINT_SERVER_PID"; then
        SAMPLE_CPU_TICKS=$PROC_CPU_TICKS
        SAMPLE_HWM_KB=$PROC_HWM_KB
        ((PROC_THREADS > SAMPLE_THREADS_MAX)) && SAMPLE_THREADS_MAX=$PROC_THREADS
      elif [[ $SERVER_DIED == no ]]; then
        SERVER_DIED=yes
        kill -INT "$wrk_pid" 2>/dev/null || true
      fi
    fi
    sleep "$SAMPLE_SECONDS"
  done
  reap "$wrk_pid"
  WRK_EXIT=$ENDED
  [[ -s $out.stderr ]] || rm -f "$out.stderr"
}

# machine_cpu_ticks: busy CPU ticks of the whole machine since boot (/proc/stat: user, nice,
# system, irq, softirq, steal; not idle or iowait).
machine_cpu_ticks() {
  local _cpu user nice system _idle _iowait irq softirq steal _rest
  read -r _cpu user nice system _idle _iowait irq softirq steal _rest </proc/stat
  echo $((user + nice + system + irq + softirq + steal))
}

# measure_point [options as in usage]: see the top of this file. Returns 1 if it failed.
measure_point() {
  local out="" variant="" url="" label="" threads=4 connections=100 duration=10s delay_ms=10
  local workers=1 timeout=10s warmup=1s primer=1s host=127.0.0.1 port="" seq=1 run=1
  POINT_PROGRESS=""
  while (($#)); do
    case "$1" in
      --out) out=$2 ;;
      --variant) variant=$2 ;;
      --url) url=$2 ;;
      --label) label=$2 ;;
      --threads) threads=$2 ;;
      --connections) connections=$2 ;;
      --duration) duration=$2 ;;
      --delay-ms) delay_ms=$2 ;;
      --workers) workers=$2 ;;
      --timeout) timeout=$2 ;;
      --warmup) warmup=$2 ;;
      --primer) primer=$2 ;;
      --host) host=$2 ;;
      --port) port=$2 ;;
      --seq) seq=$2 ;;
      --run) run=$2 ;;
      --progress) POINT_PROGRESS=$2 ;;
      *) die "measure_point: unknown option $1" ;;
    esac
    shift 2
  done
  [[ -n $out ]] || die "measure_point: --out is required"
  [[ -n $variant || -n $url ]] || die "measure_point: --variant or --url is required"
  require_whole_numbers "$threads" "$connections" "$delay_ms" "$workers" "$seq" "$run"
  require_durations duration="$duration" timeout="$timeout" warm-up="$warmup" primer="$primer"
  ((connections > 0 && workers > 0)) || die "measure_point: --connections and --workers must be at least 1"
  ((threads > connections)) && threads=$connections
  ((threads > 0)) || threads=1
  # wrk gives each thread connections / threads (integer division): -t4 -c10 opens only 8
  # connections. Fewer threads, so that every connection asked for is opened.
  local asked_threads=$threads
  while ((connections % threads != 0)); do threads=$((threads - 1)); done

  POINT_DIR=$out
  mkdir "$POINT_DIR" || die "cannot create $POINT_DIR"
  POINT_SERVER_PID=""
  SAMPLE_THREADS_MAX=0 SAMPLE_CPU_TICKS=0 SAMPLE_HWM_KB=0

  local name=${label:-${variant:-url}} known=no
  if [[ -n $variant ]]; then
    variant_lookup "$variant" || die "unknown variant '$variant' (known: $(variant_names | tr '\n' ' '))"
    known=yes
  elif [[ -n $label ]] && variant_lookup "$label"; then
    known=yes
  fi
  [[ -n $POINT_PROGRESS ]] || POINT_PROGRESS="$name:"

  record variant "$name"
  record seq "$seq"
  record run "$run"
  record started "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  record status running
  record threads "$threads"
  ((threads == asked_threads)) ||
    step "wrk -t$threads, not -t$asked_threads: wrk gives each thread connections / threads, so -t$asked_threads -c$connections would open only $((connections / asked_threads * asked_threads)) connections"
  record connections "$connections"
  record duration "$duration"
  record delay_ms "$delay_ms"
  record workers "$workers"
  record timeout "$timeout"
  record warmup "$warmup"
  record primer "$primer"
  local concurrency=""
  if [[ $known == yes ]]; then
    record family "$V_FAMILY"
    record kind "$V_KIND"
    record blocks "$V_BLOCKS"
    record bound_rule "$(bound_rule_text "$V_BOUND_BY")"
    concurrency=$(bound_concurrency "$V_BOUND_BY" "$connections" "$workers")
    record bound_concurrency "$concurrency"
    if ((delay_ms > 0)); then
      record bound_req_per_sec "$(awk -v c="$concurrency" -v d="$delay_ms" 'BEGIN { printf "%.1f", c * 1000 / d }')"
    fi
  fi

  # Little's law warns ahead: a blocked queue of this depth outlives wrk's timeout (which a
  # request can only reach if the run lasts that long: the measured run starts empty).
  if [[ ${V_BLOCKS:-} == yes && $known == yes ]]; then
    local queue_ms=$((connections * delay_ms / $(bound_concurrency "$V_BOUND_BY" "$connections" "$workers")))
    ((queue_ms < $(duration_ms "$timeout") || $(duration_ms "$duration") < $(duration_ms "$timeout"))) ||
      warn "$name: expected latency ~${queue_ms} ms (connections x delay / threads) >= wrk --timeout $timeout: requests will time out"
  fi

  local base_url
  if [[ -n $url ]]; then
    base_url=${url%/}
    record url "$url"
    record started_by_harness no
    step "using $url (not started or stopped by this harness)"
  else
    [[ -n $port ]] || port=$V_PORT
    base_url="http://$host:$port"
    url="$base_url/"
    record url "$url"
    record started_by_harness yes
    if port_in_use "$host" "$port"; then
      fail_point "port $port on $host is already in use by a process this harness did not start (another run? pick other ports with BASE_PORT=...)"
      return 1
    fi
    local command=("${V_COMMAND[@]}" --addr "$host:$port" --delay-ms "$delay_ms")
    [[ $V_FAMILY == rust ]] && command+=(--workers "$workers")
    if [[ ! -x ${command[0]} ]]; then
      if [[ $V_FAMILY == rust ]]; then
        fail_point "${command[0]} not found: run 'make build' first"
      else
        fail_point "${command[0]} not found: the Python baselines are not in this checkout"
      fi
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
    step "starting ${command[*]#"$REPO_ROOT"/}"
    "${command[@]}" >"$POINT_DIR/server.log" 2>&1 9>&- &
    POINT_SERVER_PID=$!
    track_pid "$POINT_SERVER_PID"
    echo "$POINT_SERVER_PID" >"$POINT_DIR/server.pid"
    record server_pid "$POINT_SERVER_PID"
    if ! wait_healthy "$base_url/health" "$POINT_SERVER_PID"; then
      server_log_tail
      fail_point "$HEALTH_FAILURE"
      return 1
    fi
    if ! pid_listens_on "$POINT_SERVER_PID" "$port"; then
      fail_point "port $port answers, but not from the server this harness started (pid $POINT_SERVER_PID): another process listens there"
      return 1
    fi
    step "healthy after ${HEALTH_MS} ms (pid $POINT_SERVER_PID)"
  fi

  # The check doubles as the primer: the first request through a cold server.
  if ! check_root "$url" "$delay_ms" "$known"; then
    fail_point "$CHECK_FAILURE"
    return 1
  fi

  # Primer: a few more requests on one keep-alive connection, before any load.
  local primer_urls=("$url" "$url" "$url" "$url" "$url")
  if ! curl -fsS -o /dev/null -o /dev/null -o /dev/null -o /dev/null -o /dev/null --max-time 30 "${primer_urls[@]}" 2>"$POINT_DIR/primer.stderr"; then
    fail_point "the primer (5 requests to $url) failed: $(head -c 200 "$POINT_DIR/primer.stderr")"
    return 1
  fi
  rm -f "$POINT_DIR/primer.stderr"

  # The unloaded latency: one connection, one request at a time. What one request really
  # costs (the delay, plus the timer's granularity, plus the round trip); the effective
  # bound is the concurrency divided by it.
  if [[ $primer != 0 ]]; then
    step "unloaded latency: wrk -t1 -c1 -d$primer"
    run_wrk "$POINT_DIR/primer.txt" -t1 -c1 -d"$primer" --timeout "$timeout" --latency -s "$WRK_REPORT_LUA" "$url"
    if [[ $WRK_EXIT != 0 ]] || ! awk -f "$PARSE_WRK_AWK" "$POINT_DIR/primer.txt" >"$POINT_DIR/primer.numbers" 2>/dev/null; then
      fail_point "the unloaded-latency primer (wrk -t1 -c1 -d$primer) failed: see primer.txt"
      return 1
    fi
    sed -n -E 's/^(requests|req_per_sec|latency_(mean|p50|p99|max)_us|errors_timeout)=/unloaded_\1=/p' \
      "$POINT_DIR/primer.numbers" >>"$POINT_DIR/numbers.txt"
    rm -f "$POINT_DIR/primer.numbers"
    local unloaded_us
    unloaded_us=$(awk -F= '$1 == "unloaded_latency_mean_us" { print $2 }' "$POINT_DIR/numbers.txt")
    # Where the wait blocks a thread, the thread is held for the delay, not for the whole
    # round trip: at delay 0 the unloaded latency says nothing of how long that is.
    if [[ -n $concurrency && -n $unloaded_us && $unloaded_us != 0 ]] && [[ ${V_BLOCKS:-} != yes || $delay_ms != 0 ]]; then
      record effective_bound_req_per_sec "$(awk -v c="$concurrency" -v l="$unloaded_us" 'BEGIN { printf "%.1f", c * 1000000 / l }')"
    fi
    step "unloaded: $(awk -F= '$1 == "unloaded_latency_mean_us" { m = $2 } $1 == "unloaded_latency_p99_us" { p = $2 }
      END { printf "mean %.2f ms, p99 %.2f ms", m / 1000, p / 1000 }' "$POINT_DIR/numbers.txt")"
  fi

  local wrk_common=(-t"$threads" -c"$connections" --timeout "$timeout")
  if [[ $warmup != 0 ]]; then
    step "warm-up: wrk ${wrk_common[*]} -d$warmup"
    run_wrk "$POINT_DIR/warmup.txt" "${wrk_common[@]}" -d"$warmup" "$url"
    # A blocked server still owes answers to the warm-up's closed connections: its queue
    # (up to connections x delay) drains before /health, which waits in the same queue.
    if [[ -n $POINT_SERVER_PID ]] && ! curl -fsS -o /dev/null --max-time "$(($(duration_ms "$timeout") / 1000 + 1))" "$base_url/health"; then
      server_log_tail
      fail_point "the server did not answer /health after the warm-up"
      return 1
    fi
  fi

  local cpu_before="" machine_before
  machine_before=$(machine_cpu_ticks)
  if [[ -n $POINT_SERVER_PID ]] && proc_sample "$POINT_SERVER_PID"; then
    cpu_before=$PROC_CPU_TICKS
  fi
  local wrk_args=("${wrk_common[@]}" -d"$duration" --latency -s "$WRK_REPORT_LUA" "$url")
  record wrk_command "wrk ${wrk_args[*]}"
  step "wrk ${wrk_args[*]/#"$REPO_ROOT"\//}"
  record measure_started "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  run_wrk "$POINT_DIR/wrk.txt" "${wrk_args[@]}"
  record wrk_exit "$WRK_EXIT"
  # The whole machine's busy CPU during the run: server, wrk, and anything else running.
  record machine_cpu_busy_s "$(awk -v a="$machine_before" -v b="$(machine_cpu_ticks)" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.2f", (b - a) / hz }')"
  record client_cpu_s "$(awk -v t="$WRK_CPU_TICKS" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')"

  local parse_failed=no
  awk -f "$PARSE_WRK_AWK" "$POINT_DIR/wrk.txt" >>"$POINT_DIR/numbers.txt" 2>/dev/null || parse_failed=yes

  if [[ -n $POINT_SERVER_PID ]]; then
    if [[ $SERVER_DIED == yes ]] || ! pid_alive "$POINT_SERVER_PID"; then
      local ended
      reap "$POINT_SERVER_PID"
      ended=$ENDED
      POINT_SERVER_PID=""
      record server_exit "$ended"
      server_log_tail
      fail_point "the server died during the measured run (exit: $ended); wrk was stopped, its partial output is in wrk.txt"
      return 1
    fi
    local ticks_per_second
    ticks_per_second=$(getconf CLK_TCK)
    record server_cpu_s "$(awk -v a="$cpu_before" -v b="$SAMPLE_CPU_TICKS" -v t="$ticks_per_second" 'BEGIN { printf "%.2f", (b - a) / t }')"
    record server_peak_rss_kb "$SAMPLE_HWM_KB"
    record server_threads_max "$SAMPLE_THREADS_MAX"
    local ended
    stop_pid "$POINT_SERVER_PID" "$STOP_GRACE_MS"
    ended=$ENDED
    POINT_SERVER_PID=""
    record server_exit "$ended"
    if [[ $ended == 0 ]]; then step "stopped with SIGTERM: exit 0"; else warn "$name did not stop cleanly: $ended"; fi
  fi

  if [[ $WRK_EXIT != 0 ]]; then
    fail_point "wrk exited with $WRK_EXIT: $(head -c 300 "$POINT_DIR/wrk.txt.stderr" 2>/dev/null)"
    return 1
  fi
  if [[ $parse_failed == yes ]]; then
    fail_point "wrk printed no results (see wrk.txt)"
    return 1
  fi
  record status ok
  step "$(awk -F= '$1 == "req_per_sec" { r = $2 } $1 == "latency_mean_us" { l = $2 }
    END { printf "%s req/s, mean latency %.2f ms", r, l / 1000 }' "$POINT_DIR/numbers.txt")"
}

main() {
  local arg
  for arg in "$@"; do [[ $arg == -h || $arg == --help ]] && usage && return 0; done
  (($#)) || {
    usage >&2
    exit 2
  }
  # shellcheck source=scripts/lib.sh
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
  trap stop_tracked_processes EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  raise_open_files
  measure_point "$@"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
