#!/usr/bin/env bash
# Sweep the load: how each variant's throughput and latency move with connections, delay and
# workers, against its Little's-law bound, with charts.
#
# Usage: scripts/sweep.sh [options]
#
#   --variants "A B"          variants (default: sync-server async-server async-blocking-server
#                             async-blocking-offload, and async-timerfd in the connections
#                             sweep only)
#   --connections-list "..."  connections at --delay-ms, 1 worker (default: 1 10 50 100 200 500 1000)
#   --delays "..."            delays in ms at --base-connections, 1 worker (default: 0 1 5 10 50)
#   --workers-list "..."      workers at --base-connections and --delay-ms, for the variants
#                             whose wait blocks a thread (default: 1 2 4 8)
#   --base-connections N      connections of the delay and workers sweeps (default 100)
#   --delay-ms N              delay of the connections and workers sweeps (default 10)
#   --threads N               wrk threads, never above the connections (default 4)
#   --duration D              measured wrk time per point (default 5s)
#   --warmup D                warm-up per point, skipped where a blocked queue exceeds 1 s
#                             (default 1s)
#   --primer D                unloaded latency per point, wrk -t1 -c1 (default 1s)
#   --timeout D               wrk --timeout (default 10s: above --duration, so no answered
#                             request is ever dropped from the latencies)
#   --downstream MODE         sleep: each request waits the delay (default); both: the
#                             connections sweep also runs each Rust variant calling a real
#                             downstream that waits the delay (VARIANT+http, interleaved
#                             beside it; see bench.sh), so its chart shows where the two part
#   --runs N                  measure the whole plan N times, one after another, so every
#                             point has N interleaved runs and the report their spread (default 1)
#   --dry-run                 print the plan (points, warm-ups, time estimate) and stop
#   --quick                   CI: connections "1 10 100", delays "1 10", workers "1 4", 1s per
#                             point, no warm-up (under a minute and a half)
#   --results-dir DIR         where run folders go (default results)
#   --host HOST               where variants listen (default 127.0.0.1)
#   --base-port N             variants listen on N, N+1, ... instead of their own ports
#   -h, --help                this text
#
# Points shared by two sweeps (100 connections, 10 ms, 1 worker) are measured once. Points
# whose connections need more open files than the limit allows are skipped and reported.
# Each point is measured by measure_point (scripts/measure-point.sh) into its own folder,
# <variant>.c<connections>.d<delay>.w<workers>/; the run folder, its lock, meta.json and the
# INCOMPLETE mark are lib.sh's, as for bench.sh; bench-report writes summary.md, summary.csv
# and charts/ (SVG, each chart's data beside it).
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
# The roles may run on hosts of their own (SERVER_HOST, DOWNSTREAM_HOST, LOAD_HOSTS: hosts.sh).
HOSTS_SUPPORTED=yes

# The four Rust variants: the seed's three and the offload fix of async-blocking-server.
readonly SWEEP_VARIANTS="sync-server async-server async-blocking-server async-blocking-offload"
# ... and, in the connections sweep only, async-server with a timerfd instead of tokio's timer
# (its curve beside async-server's shows what the timer costs as connections grow).
readonly CONNECTIONS_ONLY_VARIANTS="async-timerfd"
# A blocked server's queue (connections x delay / threads) longer than this is not warmed
# up: it has nothing to warm (no JIT, no pool to fill), and the warm-up's closed connections
# would leave it draining that long before the measured run could start.
readonly WARMUP_MAX_QUEUE_MS=1000
# Open files each side needs beyond one per connection (listener, epoll, stdio, logs).
readonly SPARE_FILES=64
# Per-point cost beyond the wrk runs (start, /health, checks, stop), for the estimate.
readonly POINT_OVERHEAD_MS=700


# The points, in the order they run: parallel arrays.
PLAN_VARIANT=()
PLAN_CONNECTIONS=()
PLAN_DELAY=()
PLAN_WORKERS=()
PLAN_SWEEPS=()

# add_point SWEEP VARIANT CONNECTIONS DELAY WORKERS: a new point, or one more sweep for a
# point already planned.
add_point() {
  local sweep=$1 variant=$2 connections=$3 delay=$4 workers=$5 i
  for i in "${!PLAN_VARIANT[@]}"; do
    if [[ ${PLAN_VARIANT[i]} == "$variant" && ${PLAN_CONNECTIONS[i]} == "$connections" &&
      ${PLAN_DELAY[i]} == "$delay" && ${PLAN_WORKERS[i]} == "$workers" ]]; then
      PLAN_SWEEPS[i]+=",$sweep"
      return
    fi
  done
  PLAN_VARIANT+=("$variant")
  PLAN_CONNECTIONS+=("$connections")
  PLAN_DELAY+=("$delay")
  PLAN_WORKERS+=("$workers")
  PLAN_SWEEPS+=("$sweep")
}

# point_warmup VARIANT CONNECTIONS DELAY WORKERS: the warm-up for this point.
point_warmup() {
  if [[ $WARMUP == 0 ]] || (($(queue_ms "$@") > WARMUP_MAX_QUEUE_MS)); then echo 0; else echo "$WARMUP"; fi
}

# predicted_ms INDEX: what a point should take, all in: wrk runs, the drain of a blocked
# queue after the warm-up and at the stop (at most the servers' grace), the rest.
predicted_ms() {
  local i=$1 queue warmup total
  queue=$(queue_ms "${PLAN_VARIANT[i]}" "${PLAN_CONNECTIONS[i]}" "${PLAN_DELAY[i]}" "${PLAN_WORKERS[i]}")
  warmup=$(point_warmup "${PLAN_VARIANT[i]}" "${PLAN_CONNECTIONS[i]}" "${PLAN_DELAY[i]}" "${PLAN_WORKERS[i]}")
  total=$(($(duration_ms "$DURATION") + $(duration_ms "$PRIMER") + POINT_OVERHEAD_MS))
  total=$((total + (queue < SERVER_GRACE_MS ? queue : SERVER_GRACE_MS)))
  [[ $warmup == 0 ]] || total=$((total + $(duration_ms "$warmup") + queue))
  echo "$total"
}

main() {
  local variants=$SWEEP_VARIANTS connections_list="1 10 50 100 200 500 1000" delays="0 1 5 10 50"
  local workers_list="1 2 4 8" base_connections=100 delay_ms=10 threads=4 quick=no dry_run=no
  local results_dir=results host=127.0.0.1 base_port="" runs=1 downstream=sleep
  DURATION=5s WARMUP=1s PRIMER=1s TIMEOUT=10s
  # shellcheck disable=SC2034 # read by parse_options
  local -A spec=([--variants]=variants [--connections-list]=connections_list [--delays]=delays
    [--workers-list]=workers_list [--base-connections]=base_connections [--delay-ms]=delay_ms
    [--threads]=threads [--duration]=DURATION [--warmup]=WARMUP [--primer]=PRIMER [--timeout]=TIMEOUT
    [--results-dir]=results_dir [--host]=host [--base-port]=base_port [--runs]=runs [--downstream]=downstream [--quick]='!quick'
    [--dry-run]='!dry_run')
  parse_options spec "$@"
  # --quick changes the defaults only: an explicit setting still wins.
  if [[ $quick == yes ]]; then
    given --connections-list || connections_list="1 10 100"
    given --delays || delays="1 10"
    given --workers-list || workers_list="1 4"
    given --duration || DURATION=1s
    given --warmup || WARMUP=0
  fi
  readonly DURATION WARMUP PRIMER TIMEOUT

  # Settings first: a typo fails here, before anything starts.
  local number name
  # shellcheck disable=SC2086 # the lists are meant to split into their numbers
  require_whole_numbers $connections_list $delays $workers_list "$base_connections" "$delay_ms" "$threads" "$runs" ${base_port:+"$base_port"}
  for number in $connections_list $workers_list "$base_connections" "$threads" "$runs"; do
    ((number >= 1)) || die "connections, workers, threads and runs must be at least 1"
  done
  require_durations duration="$DURATION" warm-up="$WARMUP" primer="$PRIMER" timeout="$TIMEOUT"
  local variant_list=() connections_only=()
  read -ra variant_list <<<"$variants"
  given --variants || read -ra connections_only <<<"$CONNECTIONS_ONLY_VARIANTS"
  ((${#variant_list[@]})) || die "no variants given"
  for name in "${variant_list[@]}"; do
    variant_lookup "$name" || unknown_variant "$name"
  done
  # The connections sweep's real calls: each Rust variant's twin, NAME+http.
  local real_calls=()
  case "$downstream" in
    sleep) ;;
    both)
      for name in "${variant_list[@]}" "${connections_only[@]}"; do
        variant_lookup "$name+http" && real_calls+=("$name+http")
      done
      ((${#real_calls[@]})) || die "--downstream both: none of these variants makes a real downstream call (the Python baselines only sleep)"
      ;;
    *) die "unknown downstream '$downstream': sleep (the simulated wait) or both (the connections sweep also with a real call)" ;;
  esac
  require_report
  if [[ $downstream == sleep && -n ${DOWNSTREAM_HOST:-} ]]; then
    log "DOWNSTREAM_HOST=$DOWNSTREAM_HOST is not used: only DOWNSTREAM=http or both start a downstream"
    DOWNSTREAM_HOST=""
  fi

  # The plan: each sweep's points, variants interleaved at each x so that they meet the
  # same conditions (the machine's other load) at about the same time.
  local connections delay workers
  for connections in $connections_list; do
    for name in "${variant_list[@]}" "${connections_only[@]}" "${real_calls[@]}"; do add_point connections "$name" "$connections" "$delay_ms" 1; done
  done
  for delay in $delays; do
    for name in "${variant_list[@]}"; do add_point delay "$name" "$base_connections" "$delay" 1; done
  done
  for workers in $workers_list; do
    for name in "${variant_list[@]}"; do
      variant_lookup "$name"
      [[ $V_BLOCKS == yes ]] && add_point workers "$name" "$base_connections" "$delay_ms" "$workers"
    done
  done

  local started_ms index predicted_total=0 predicted=() points=${#PLAN_VARIANT[@]}
  for index in "${!PLAN_VARIANT[@]}"; do
    predicted[index]=$(predicted_ms "$index")
    predicted_total=$((predicted_total + predicted[index]))
  done
  predicted_total=$((predicted_total * runs))
  if [[ $dry_run == yes ]]; then
    for index in "${!PLAN_VARIANT[@]}"; do
      printf '%2d. %-24s c=%-5s d=%-3s w=%-2s warm-up %-3s ~%ss  (%s)\n' "$((index + 1))" "${PLAN_VARIANT[index]}" \
        "${PLAN_CONNECTIONS[index]}" "${PLAN_DELAY[index]}" "${PLAN_WORKERS[index]}" \
        "$(point_warmup "${PLAN_VARIANT[index]}" "${PLAN_CONNECTIONS[index]}" "${PLAN_DELAY[index]}" "${PLAN_WORKERS[index]}")" \
        "$((predicted[index] / 1000))" "${PLAN_SWEEPS[index]}"
    done
    ((runs == 1)) || echo "each measured $runs times: the whole plan once, then again (interleaved runs)"
    echo "$((points * runs)) points, estimated $(minutes "$predicted_total") (plus the build)"
    return 0
  fi

  "$SCRIPT_DIR/ensure-tools.sh" wrk curl

  started_ms=$(now_ms)
  begin_run "$results_dir" "$((points * runs))" kind=sweep variants="${variant_list[*]}${connections_only[*]:+ ${connections_only[*]}}" \
    connections_list="$connections_list" delays="$delays" workers_list="$workers_list" \
    base_connections="$base_connections" delay_ms="$delay_ms" threads="$threads" \
    duration="$DURATION" warmup="$WARMUP" warmup_max_queue_ms="$WARMUP_MAX_QUEUE_MS" \
    primer="$PRIMER" timeout="$TIMEOUT" runs="$runs" quick="$quick" host="$host" base_port="$base_port" \
    downstream="$downstream" \
    predicted_s="$((predicted_total / 1000))"
  log "sweep $RUN_DIR: $points points x $runs run(s) of $DURATION (warm-up $WARMUP, primer $PRIMER), estimated $(minutes "$predicted_total")"
  log "open files: limit $(ulimit -n) (each connection needs one in wrk and one in the server)"

  # Each variant keeps its own port (or BASE_PORT + its place in the list).
  local port_of=() failed=0 skipped=0 point_dir label warmup predicted_done=0
  local point_args=() variant_index run seq name connections delay workers
  local all_variants=("${variant_list[@]}" "${connections_only[@]}" "${real_calls[@]}") downstream_port
  downstream_port=$(downstream_port "$base_port")
  for index in "${!all_variants[@]}"; do port_of[index]=$([[ -z $base_port ]] || echo $((base_port + index))); done
  for ((run = 1; run <= runs; run++)); do
    for index in "${!PLAN_VARIANT[@]}"; do
      name=${PLAN_VARIANT[index]} connections=${PLAN_CONNECTIONS[index]} delay=${PLAN_DELAY[index]} workers=${PLAN_WORKERS[index]}
      seq=$(((run - 1) * points + index + 1))
      point_dir="$RUN_DIR/$name.c$connections.d$delay.w$workers"
      ((runs == 1)) || point_dir+=".run$run"
      CURRENT_POINT="$name c=$connections d=${delay}ms w=$workers (run $run)"
      label="$(progress_text "$((seq - 1))" "$((points * runs))" "$(($(now_ms) - started_ms))" "$predicted_done" "$predicted_total") $name c=$connections d=${delay}ms w=$workers:"
      if (($(ulimit -n) < connections + SPARE_FILES)); then
        mkdir -p "$point_dir"
        variant_lookup "$name"
        numbers_append "$point_dir/numbers.txt" variant="$name" seq="$seq" run="$run" status=skipped connections="$connections" \
          delay_ms="$delay" workers="$workers" family="$V_FAMILY" kind="$V_KIND" blocks="$V_BLOCKS" downstream="$V_DOWNSTREAM" \
          bound_by="$V_BOUND_BY" sweeps="${PLAN_SWEEPS[index]}" \
          "failure=needs about $((connections + SPARE_FILES)) open files (one per connection, in wrk and in the server) but the limit is $(ulimit -n) and could not be raised: run 'ulimit -n $((connections + SPARE_FILES))' (or raise the hard limit) to measure it"
        warn "$label SKIPPED: $connections connections need about $((connections + SPARE_FILES)) open files; the limit is $(ulimit -n)"
        skipped=$((skipped + 1))
      else
        warmup=$(point_warmup "$name" "$connections" "$delay" "$workers")
        variant_index=$(index_of "$name" "${all_variants[@]}")
        point_args=(--out "$point_dir" --variant "$name" --host "$host" --threads "$threads"
          --connections "$connections" --duration "$DURATION" --delay-ms "$delay" --workers "$workers"
          --timeout "$TIMEOUT" --warmup "$warmup" --primer "$PRIMER" --seq "$seq" --run "$run" --progress "$label"
          --downstream-port "$downstream_port")
        [[ -z ${port_of[variant_index]} ]] || point_args+=(--port "${port_of[variant_index]}")
        measure_point "${point_args[@]}" || failed=$((failed + 1))
        # Which sweeps use this point (the summary also works it out from the settings).
        numbers_append "$point_dir/numbers.txt" "sweeps=${PLAN_SWEEPS[index]}"
      fi
      predicted_done=$((predicted_done + predicted[index]))
      POINTS_DONE=$((POINTS_DONE + 1))
    done
  done

  end_series "$started_ms" "$((points * runs))" "$predicted_total" "$failed" "$skipped" \
    " for want of open files" "summary.md with charts/, summary.csv, one folder per point"
}

main "$@"
