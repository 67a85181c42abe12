#!/usr/bin/env bash
# Run the seed's experiment: each variant under wrk, raw logs kept, a report that explains.
#
# Usage: scripts/bench.sh [options]
#
#   --variants "A B"   variants to run (default: the seed's three, sync-server async-server
#                      async-blocking-server; variants.table lists them all)
#   --threads N        wrk threads, never above the connections (default 4)
#   --connections N    wrk connections (default 100)
#   --duration D       measured wrk duration per variant (default 10s)
#   --delay-ms N       each server's simulated downstream wait (default 10)
#   --workers N        each server's handler threads (default 1)
#   --runs N           measured runs per variant, interleaved (default 1)
#   --timeout D        wrk --timeout, well above connections x delay (default 10s)
#   --warmup D         warm-up at full load before each measured run, 0 to skip (default 1s)
#   --primer D         unloaded latency first: wrk -t1 -c1 for D, 0 to skip (default 1s);
#                      gives the effective bound, concurrency / unloaded latency
#   --downstream MODE  sleep: each request waits --delay-ms, the seed's simulated call
#                      (default); http: each Rust variant calls a real downstream instead
#                      (scripts/lib.sh's DOWNSTREAM_VARIANT, started beside it with the same
#                      delay; rows named VARIANT+http); both: each variant both ways, side by
#                      side, interleaved
#   --downstream-pool N           the servers' --downstream-pool (default 1024)
#   --downstream-keep-alive-secs N  their --downstream-keep-alive-secs (default 15)
#   --url URL          measure a server you already run (anywhere): nothing is started,
#                      stopped or built; --label NAME names it (a variant name gives its bound)
#   --results-dir DIR  where run folders go (default results)
#   --host HOST        where started variants listen (default 127.0.0.1)
#   --base-port N      variants listen on N, N+1, ... (a downstream on N+100) instead of
#                      their own ports
#   -h, --help         this text
#
# Writes DIR/<run-id>/{meta.json,summary.md,summary.csv,<variant>/...} (DIR/latest points to
# it) and prints summary.md; progress goes to stderr. Exit status 1 if any variant failed (the
# others still run), 130 if interrupted (the partial run is kept and marked INCOMPLETE).
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

main() {
  local variants=$DEFAULT_VARIANTS threads=4 connections=100 duration=10s delay_ms=10 workers=1
  local runs=1 timeout=10s warmup=1s primer=1s url="" label="" results_dir=results host=127.0.0.1 base_port=""
  local downstream=sleep downstream_pool=1024 downstream_keep_alive=15
  # shellcheck disable=SC2034 # read by parse_options
  local -A spec=([--variants]=variants [--threads]=threads [--connections]=connections
    [--duration]=duration [--delay-ms]=delay_ms [--workers]=workers [--runs]=runs [--timeout]=timeout
    [--warmup]=warmup [--primer]=primer [--url]=url [--label]=label [--results-dir]=results_dir
    [--host]=host [--base-port]=base_port [--downstream]=downstream [--downstream-pool]=downstream_pool
    [--downstream-keep-alive-secs]=downstream_keep_alive)
  parse_options spec "$@"

  # Settings first: a typo fails here, before anything starts.
  local name
  require_whole_numbers "$threads" "$connections" "$delay_ms" "$workers" "$runs" ${base_port:+"$base_port"} \
    "$downstream_pool" "$downstream_keep_alive"
  require_durations duration="$duration" timeout="$timeout" warm-up="$warmup" primer="$primer"
  ((connections >= 1 && runs >= 1 && workers >= 1)) || die "connections, runs and workers must be at least 1"
  local variant_list=() modes=()
  case "$downstream" in
    sleep | http) modes=("$downstream") ;;
    both) modes=(sleep http) ;;
    *) die "unknown downstream '$downstream': sleep (the simulated wait, the seed's), http (a real call) or both" ;;
  esac
  if [[ -n $url ]]; then
    [[ $downstream == sleep ]] || die "--url measures a server as it runs: it starts no downstream (drop --downstream $downstream)"
    variant_list=("${label:-url}")
  else
    read -ra variant_list <<<"$variants"
    ((${#variant_list[@]})) || die "no variants given"
    for name in "${variant_list[@]}"; do
      variant_lookup "$name" || unknown_variant "$name"
      [[ $downstream == sleep || $V_FAMILY == rust ]] ||
        die "$name makes no real downstream call (the Python baselines only sleep): drop it, or use DOWNSTREAM=sleep"
      [[ $V_FAMILY == rust || -z ${SERVER_HOST:-} ]] ||
        die "$name is one of the Python baselines, which run on this machine only: drop it, or unset SERVER_HOST"
    done
  fi
  require_report
  if [[ $downstream == sleep && -n ${DOWNSTREAM_HOST:-} ]]; then
    log "DOWNSTREAM_HOST=$DOWNSTREAM_HOST is not used: only DOWNSTREAM=http or both start a downstream"
    DOWNSTREAM_HOST=""
  fi

  "$SCRIPT_DIR/ensure-tools.sh" wrk curl
  local started_ms
  started_ms=$(now_ms)
  local downstream_port
  downstream_port=$(downstream_port "$base_port")
  begin_run "$results_dir" "$((runs * ${#variant_list[@]} * ${#modes[@]}))" kind=bench variants="${variant_list[*]}" \
    url="$url" threads="$threads" connections="$connections" duration="$duration" \
    delay_ms="$delay_ms" workers="$workers" runs="$runs" timeout="$timeout" warmup="$warmup" \
    primer="$primer" host="$host" base_port="$base_port" downstream="$downstream"
  log "run $RUN_DIR: ${#variant_list[@]} variant(s) x $runs run(s), wrk -t$threads -c$connections -d$duration, delay $delay_ms ms, $workers worker(s), downstream: $downstream"

  local run index mode shown failed=0 point_dir point_args
  for ((run = 1; run <= runs; run++)); do
    for index in "${!variant_list[@]}"; do
      for mode in "${modes[@]}"; do
        name=${variant_list[index]}
        shown=$name
        [[ $mode == sleep ]] || shown="$name+$mode"
        point_dir="$RUN_DIR/$shown"
        ((runs == 1)) || point_dir="$RUN_DIR/$shown.run$run"
        CURRENT_POINT="$shown (run $run)"
        point_args=(--out "$point_dir" --threads "$threads" --connections "$connections"
          --duration "$duration" --delay-ms "$delay_ms" --workers "$workers" --timeout "$timeout"
          --warmup "$warmup" --primer "$primer" --seq "$((POINTS_DONE + 1))" --run "$run"
          --progress "[$((POINTS_DONE + 1))/$POINTS_TOTAL] $shown:")
        if [[ -n $url ]]; then
          point_args+=(--url "$url" --label "$name")
        else
          point_args+=(--variant "$name" --host "$host" --downstream "$mode" --downstream-port "$downstream_port"
            --downstream-pool "$downstream_pool" --downstream-keep-alive-secs "$downstream_keep_alive")
          [[ -z $base_port ]] || point_args+=(--port "$((base_port + index))")
        fi
        measure_point "${point_args[@]}" || failed=$((failed + 1))
        POINTS_DONE=$((POINTS_DONE + 1))
      done
    done
  done

  finish_run
  cat "$RUN_DIR/summary.md"
  log ""
  log "results: $RUN_DIR (summary.md, summary.csv, raw wrk output per variant)"
  log "total time: $((($(now_ms) - started_ms) / 1000)) s for $POINTS_TOTAL point(s) of $duration each"
  if ((failed > 0)); then
    log "$failed of $POINTS_TOTAL point(s) FAILED: see the summary"
    return 1
  fi
}

main "$@"
