#!/usr/bin/env bash
# Sweep the timerfd's slack: async-timerfd at each --timer-slack, with tokio's timer
# (async-server) beside it, at each connection count: throughput against the bound, the
# unloaded latency, CPU and wake-ups per request, and a chart of them against the slack.
#
# Usage: scripts/sweep-timer.sh [options]
#
#   --slacks "..."            slacks in µs for async-server --timer timerfd --timer-slack
#                             (default: 0 25 50 100 250 1000)
#   --connections-list "..."  connections (default: 100 1000)
#   --delay-ms N              the servers' wait per request (default 10)
#   --threads N               wrk threads, never above the connections (default 4)
#   --duration D              measured wrk time per point (default 5s)
#   --warmup D                warm-up per point (default 1s)
#   --primer D                unloaded latency per point, wrk -t1 -c1 (default 1s)
#   --timeout D               wrk --timeout (default 10s)
#   --runs N                  measure the whole plan N times, one after another, so every
#                             point has N interleaved runs and the report their spread (default 1)
#   --dry-run                 print the plan (points, time estimate) and stop
#   --quick                   CI: slacks "0 250" at 100 connections, 1s per point, no warm-up
#   --results-dir DIR         where run folders go (default results)
#   --host HOST               where the servers listen (default 127.0.0.1)
#   --base-port N             async-server on N, async-timerfd on N+1 (default: their own ports)
#   -h, --help                this text
#
# PLACEMENT=split (the environment; `make sweep-timer PLACEMENT=split`) puts the servers and
# wrk on cores of their own. Each point is measure_point's (scripts/measure-point.sh), into
# <variant>[.s<slack>].c<connections>/ (.runN with --runs); async-server's GET /stats gives
# each point's wake-ups. bench-report writes summary.md, summary.csv and charts/.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
# shellcheck disable=SC2034 # read by parse_options (lib.sh)
USAGE_FILE="${BASH_SOURCE[0]}"
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"
# shellcheck source=measure-point.sh
source "$SCRIPT_DIR/measure-point.sh"

# tokio's timer, and the timerfd whose slack is swept.
readonly TOKIO_VARIANT=async-server TIMERFD_VARIANT=async-timerfd
# Per-point cost beyond the wrk runs (start, /health, checks, stop), for the estimate.
readonly POINT_OVERHEAD_MS=700

# The points, in the order they run: parallel arrays (slack empty for tokio's timer).
PLAN_VARIANT=()
PLAN_SLACK=()
PLAN_CONNECTIONS=()

main() {
  local slacks="0 25 50 100 250 1000" connections_list="100 1000" delay_ms=10 threads=4
  local runs=1 quick=no dry_run=no results_dir=results host=127.0.0.1 base_port=""
  local duration=5s warmup=1s primer=1s timeout=10s
  # shellcheck disable=SC2034 # read by parse_options
  local -A spec=([--slacks]=slacks [--connections-list]=connections_list [--delay-ms]=delay_ms
    [--threads]=threads [--duration]=duration [--warmup]=warmup [--primer]=primer [--timeout]=timeout
    [--runs]=runs [--results-dir]=results_dir [--host]=host [--base-port]=base_port
    [--quick]='!quick' [--dry-run]='!dry_run')
  parse_options spec "$@"
  # --quick changes the defaults only: an explicit setting still wins.
  if [[ $quick == yes ]]; then
    given --slacks || slacks="0 250"
    given --connections-list || connections_list=100
    given --duration || duration=1s
    given --warmup || warmup=0
  fi

  # Settings first: a typo fails here, before anything starts.
  local number
  # shellcheck disable=SC2086 # the lists are meant to split into their numbers
  require_whole_numbers $slacks $connections_list "$delay_ms" "$threads" "$runs" ${base_port:+"$base_port"}
  for number in $connections_list "$threads" "$runs"; do
    ((number >= 1)) || die "connections, threads and runs must be at least 1"
  done
  for number in $slacks; do
    ((number <= 1000000)) || die "slack $number µs is more than async-server's widest, 1 s"
  done
  [[ -n $slacks ]] || die "no slacks given"
  require_durations duration="$duration" warm-up="$warmup" primer="$primer" timeout="$timeout"
  require_report

  # The plan: at each connection count, tokio's timer then each slack, so that they meet
  # the machine's other load alike.
  local connections slack
  for connections in $connections_list; do
    PLAN_VARIANT+=("$TOKIO_VARIANT") PLAN_SLACK+=("") PLAN_CONNECTIONS+=("$connections")
    for slack in $slacks; do
      PLAN_VARIANT+=("$TIMERFD_VARIANT") PLAN_SLACK+=("$slack") PLAN_CONNECTIONS+=("$connections")
    done
  done
  local points=${#PLAN_VARIANT[@]} point_ms predicted_total index
  point_ms=$(($(duration_ms "$duration") + $(duration_ms "$primer") + $(duration_ms "$warmup") + POINT_OVERHEAD_MS))
  predicted_total=$((point_ms * points * runs))
  if [[ $dry_run == yes ]]; then
    for index in "${!PLAN_VARIANT[@]}"; do
      printf '%2d. %-14s %-12s c=%-5s ~%ss\n' "$((index + 1))" "${PLAN_VARIANT[index]}" \
        "${PLAN_SLACK[index]:+slack ${PLAN_SLACK[index]} µs}" "${PLAN_CONNECTIONS[index]}" "$((point_ms / 1000))"
    done
    ((runs == 1)) || echo "each measured $runs times: the whole plan once, then again (interleaved runs)"
    echo "$((points * runs)) points, estimated $(minutes "$predicted_total") (plus the build)"
    return 0
  fi

  "$SCRIPT_DIR/ensure-tools.sh" wrk curl
  local started_ms
  started_ms=$(now_ms)
  begin_run "$results_dir" "$((points * runs))" kind=timer-sweep variants="$TOKIO_VARIANT $TIMERFD_VARIANT" \
    slacks_us="$slacks" connections_list="$connections_list" delay_ms="$delay_ms" workers=1 \
    threads="$threads" duration="$duration" warmup="$warmup" primer="$primer" timeout="$timeout" \
    runs="$runs" quick="$quick" host="$host" base_port="$base_port" predicted_s="$((predicted_total / 1000))"
  log "timer sweep $RUN_DIR: $points points x $runs run(s) of $duration, placement $PLACEMENT_MODE (servers on $SERVER_CPUS, wrk on $CLIENT_CPUS), estimated $(minutes "$predicted_total")"

  local run seq name point_dir label failed=0 predicted_done=0 point_args=()
  for ((run = 1; run <= runs; run++)); do
    for index in "${!PLAN_VARIANT[@]}"; do
      name=${PLAN_VARIANT[index]} slack=${PLAN_SLACK[index]} connections=${PLAN_CONNECTIONS[index]}
      seq=$(((run - 1) * points + index + 1))
      point_dir="$RUN_DIR/$name${slack:+.s$slack}.c$connections"
      ((runs == 1)) || point_dir+=".run$run"
      CURRENT_POINT="$name${slack:+ slack ${slack}us} c=$connections (run $run)"
      label="$(progress_text "$((seq - 1))" "$((points * runs))" "$(($(now_ms) - started_ms))" "$predicted_done" "$predicted_total") $name${slack:+ slack ${slack}us} c=$connections:"
      point_args=(--out "$point_dir" --variant "$name" --host "$host" --threads "$threads"
        --connections "$connections" --duration "$duration" --delay-ms "$delay_ms" --workers 1
        --timeout "$timeout" --warmup "$warmup" --primer "$primer" --seq "$seq" --run "$run" --progress "$label")
      [[ -z $slack ]] || point_args+=(--server-args "--timer-slack ${slack}us")
      [[ -z $base_port ]] || point_args+=(--port "$((base_port + (${#slack} > 0 ? 1 : 0)))")
      measure_point "${point_args[@]}" || failed=$((failed + 1))
      # The slack asked for, known even where the server never answered /stats.
      [[ -z $slack ]] || echo "slack_us=$slack" >>"$point_dir/numbers.txt"
      predicted_done=$((predicted_done + point_ms))
      POINTS_DONE=$((POINTS_DONE + 1))
    done
  done

  end_series "$started_ms" "$((points * runs))" "$predicted_total" "$failed" 0 "" \
    "summary.md with charts/, summary.csv, one folder per point"
}

main "$@"
