#!/usr/bin/env bash
# Latency against offered load: each variant loaded open-loop at fixed rates, fractions of its
# Little's-law bound, a fresh server per point; a report with two charts.
#
# Usage: scripts/latency.sh [options]
#
#   --variants "A B"      variants (default: the seed's three, sync-server async-server
#                         async-blocking-server; any in variants.table, and any
#                         Rust one as NAME+http: calling a real downstream, see bench.sh)
#   --fractions "..."     offered loads, as fractions of each variant's bound
#                         (default: 0.1 0.25 0.5 0.75 0.9 1.0 1.1 1.25)
#   --rates "..."         offered loads in requests/s instead, the same for every variant
#   --duration D          each point's open-loop run (default 5s). Above 100% of its bound a
#                         variant builds a queue that grows as long as the run lasts: the same
#                         load then runs again for half as long, on a fresh server, to show it
#   --connections N       the connections of each variant's bound (the seed's 100), and the
#                         most a point gets (default 100)
#   --delay-ms N          the servers' simulated downstream wait (default 10)
#   --workers N           the servers' handler threads or tokio workers (default 1)
#   --primer D            unloaded latency before each load, wrk -t1 -c1 (default 1s)
#   --timeout D           oha -t, per request (default 10s)
#   --quick               CI: fractions "0.5 0.9 1.25", 2s per point (under a minute and a half)
#   --dry-run             print the plan (rates, connections, time estimate) and stop
#   --results-dir DIR     where run folders go (default results)
#   --host HOST           where variants listen (default 127.0.0.1)
#   --base-port N         variants listen on N, N+1, ... instead of their own ports
#   -h, --help            this text
#
# The generator is oha (scripts/ensure-oha.sh builds it once per machine): -q RATE
# --latency-correction times each request from when it was due. Each point gets rate x delay
# x headroom connections, with a floor and capped at --connections (bench-report plan
# says how many). Each point's folder, <variant>.f<fraction> (.half for the half-length run;
# .r<rate> with --rates), holds numbers.txt, primer.txt, oha.json and server.log; the run
# folder, its lock, meta.json (kind "latency") and the INCOMPLETE mark are lib.sh's. A server
# that dies marks its point failed and the next point goes on. Exit status 1 if a point failed.
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
# shellcheck source=open-loop-point.sh
source "$SCRIPT_DIR/open-loop-point.sh"
# The roles may run on hosts of their own (hosts.sh), the open loop from one load host.
HOSTS_SUPPORTED=yes

readonly DEFAULT_FRACTIONS="0.1 0.25 0.5 0.75 0.9 1.0 1.1 1.25"
# Per-point cost beyond the primer and the load (start, /health, checks, oha's start, stop),
# for the estimate.
readonly POINT_OVERHEAD_MS=900

# The points, in the order they run: parallel arrays.
L_VARIANT=() L_RATE=() L_FRACTION=() L_BOUND=() L_WANTED=() L_CONNECTIONS=() L_LENGTH=() L_DIR=()

# require_loads KIND VALUE...: each a number above 0, or die naming it, before anything runs.
require_loads() {
  local kind=$1 value
  shift
  for value in "$@"; do
    [[ $value =~ ^([0-9]+(\.[0-9]*)?|\.[0-9]+)$ ]] ||
      die "bad $kind '$value': expected a number above 0 (e.g. $([[ $kind == rate ]] && echo 50 || echo 0.5))"
    [[ ! $value =~ ^[0.]+$ ]] || die "a $kind of 0 offers no load: '$value' (each must be above 0)"
  done
}

# plan_point VARIANT LOAD_OPTION VALUE SUFFIX: the load for VARIANT from bench-report (its
# bound, the rate, the connections), as one full-length point and, above the bound, a
# half-length one.
plan_point() {
  local name=$1 option=$2 value=$3 suffix=$4 key output line
  variant_lookup "$name"
  output=$("$REPORT" plan --rule "$V_BOUND_BY" --connections "$CONNECTIONS" --workers "$WORKERS" \
    --delay-ms "$DELAY_MS" "$option" "$value") || die "no plan for $name at $option $value"
  local -A load=()
  while IFS= read -r line; do
    key=${line%%=*}
    load[$key]=${line#*=}
  done <<<"$output"
  local length
  for length in full half; do
    [[ $length == full || ${load[over_bound]} == yes ]] || continue
    L_VARIANT+=("$name") L_RATE+=("${load[rate]}") L_FRACTION+=("${load[fraction]}")
    L_BOUND+=("${load[bound_req_per_sec]}") L_WANTED+=("${load[connections_wanted]}")
    L_CONNECTIONS+=("${load[connections]}") L_LENGTH+=("$length")
    L_DIR+=("$name.$suffix$([[ $length == full ]] || echo .half)")
  done
}

# point_ms INDEX: what a point should take, all in: the primer, the load, the drain of a
# blocked server's queue at the stop (at most the servers' grace), the rest.
point_ms() {
  local i=$1 load_ms queue
  load_ms=$(duration_ms "$DURATION")
  [[ ${L_LENGTH[i]} == full ]] || load_ms=$((load_ms / 2))
  queue=$(queue_ms "${L_VARIANT[i]}" "${L_CONNECTIONS[i]}" "$DELAY_MS" "$WORKERS")
  echo $((load_ms + $(duration_ms "$PRIMER") + POINT_OVERHEAD_MS + (queue < SERVER_GRACE_MS ? queue : SERVER_GRACE_MS)))
}

main() {
  local variants=$DEFAULT_VARIANTS fractions=$DEFAULT_FRACTIONS rates="" quick=no dry_run=no
  local results_dir=results host=127.0.0.1 base_port=""
  DURATION=5s PRIMER=1s TIMEOUT=10s CONNECTIONS=100 DELAY_MS=10 WORKERS=1
  # shellcheck disable=SC2034 # read by parse_options
  local -A spec=([--variants]=variants [--fractions]=fractions [--rates]=rates [--duration]=DURATION
    [--connections]=CONNECTIONS [--delay-ms]=DELAY_MS [--workers]=WORKERS [--primer]=PRIMER
    [--timeout]=TIMEOUT [--quick]='!quick' [--dry-run]='!dry_run' [--results-dir]=results_dir
    [--host]=host [--base-port]=base_port)
  parse_options spec "$@"
  # --quick changes the defaults only: an explicit setting still wins.
  if [[ $quick == yes ]]; then
    given --fractions || fractions="0.5 0.9 1.25"
    given --duration || DURATION=2s
  fi
  readonly DURATION PRIMER TIMEOUT CONNECTIONS DELAY_MS WORKERS

  # Settings first: a typo fails here, before anything starts.
  local name loads=() option=--fraction
  read -ra loads <<<"$fractions"
  if [[ -n $rates ]]; then
    read -ra loads <<<"$rates"
    option=--rate
  fi
  ((${#loads[@]})) || die "no ${option#--}s given"
  require_loads "${option#--}" "${loads[@]}"
  require_whole_numbers "$CONNECTIONS" "$DELAY_MS" "$WORKERS" ${base_port:+"$base_port"}
  ((CONNECTIONS >= 1 && WORKERS >= 1)) || die "connections and workers must be at least 1"
  require_durations duration="$DURATION" primer="$PRIMER" timeout="$TIMEOUT"
  (($(duration_ms "$DURATION") >= 2)) || die "a duration of $DURATION is too short to measure"
  ((DELAY_MS > 0)) || [[ -n $rates ]] || die "with --delay-ms 0 there is no bound to take fractions of: give --rates"
  local variant_list=()
  read -ra variant_list <<<"$variants"
  ((${#variant_list[@]})) || die "no variants given"
  for name in "${variant_list[@]}"; do
    variant_lookup "$name" || unknown_variant "$name"
  done
  require_report

  # The plan: at each load, every variant in turn, so that they meet the same conditions
  # (the machine's other load) at about the same time.
  local value
  for value in "${loads[@]}"; do
    for name in "${variant_list[@]}"; do
      plan_point "$name" "$option" "$value" "$([[ $option == --rate ]] && echo r || echo f)$value"
    done
  done
  local index predicted=() predicted_total=0
  for index in "${!L_VARIANT[@]}"; do
    predicted[index]=$(point_ms "$index")
    predicted_total=$((predicted_total + predicted[index]))
  done
  if [[ $dry_run == yes ]]; then
    for index in "${!L_VARIANT[@]}"; do
      printf '%2d. %-24s %-4s %10s req/s  %-6s of bound %-9s c=%-4s (wanted %s)  ~%ss\n' "$((index + 1))" \
        "${L_VARIANT[index]}" "${L_LENGTH[index]}" "${L_RATE[index]}" "${L_FRACTION[index]:-?}" \
        "${L_BOUND[index]:+(${L_BOUND[index]})}" "${L_CONNECTIONS[index]}" "${L_WANTED[index]}" \
        "$((predicted[index] / 1000))"
    done
    echo "${#L_VARIANT[@]} points, estimated $(minutes "$predicted_total") (plus the build)"
    return 0
  fi

  [[ ${LOAD_HOSTS:-} != *[,\ ]* ]] ||
    die "LOAD_HOSTS=$LOAD_HOSTS: the open loop runs from one load host (oha's histograms are not merged across hosts): give one"
  "$SCRIPT_DIR/ensure-tools.sh" wrk curl
  OHA_BIN=$("$SCRIPT_DIR/ensure-oha.sh") || exit 1
  readonly OHA_BIN
  local oha_version
  oha_version=$("$OHA_BIN" --version)
  local started_ms
  started_ms=$(now_ms)
  begin_run "$results_dir" "${#L_VARIANT[@]}" kind=latency variants="${variant_list[*]}" \
    fractions="$([[ -n $rates ]] || echo "$fractions")" rates="$rates" duration="$DURATION" \
    connections="$CONNECTIONS" delay_ms="$DELAY_MS" workers="$WORKERS" primer="$PRIMER" \
    timeout="$TIMEOUT" quick="$quick" generator=oha oha_version="${oha_version#oha }" \
    host="$host" base_port="$base_port" predicted_s="$((predicted_total / 1000))"
  log "latency $RUN_DIR: ${#L_VARIANT[@]} points, oha -q RATE --latency-correction -z $DURATION, estimated $(minutes "$predicted_total")"

  local failed=0 predicted_done=0 label point_args
  for index in "${!L_VARIANT[@]}"; do
    name=${L_VARIANT[index]}
    CURRENT_POINT="$name at ${L_RATE[index]} req/s (${L_LENGTH[index]})"
    label="$(progress_text "$index" "${#L_VARIANT[@]}" "$(($(now_ms) - started_ms))" "$predicted_done" "$predicted_total") $name ${L_RATE[index]} req/s${L_FRACTION[index]:+ (${L_FRACTION[index]} of bound)}$([[ ${L_LENGTH[index]} == full ]] || echo ', half length'):"
    local load_ms
    load_ms=$(duration_ms "$DURATION")
    [[ ${L_LENGTH[index]} == full ]] || load_ms=$((load_ms / 2))
    point_args=(--out "$RUN_DIR/${L_DIR[index]}" --variant "$name" --host "$host"
      --connections "${L_CONNECTIONS[index]}" --duration "${load_ms}ms" --delay-ms "$DELAY_MS"
      --workers "$WORKERS" --timeout "$TIMEOUT" --primer "$PRIMER" --seq "$((index + 1))" --progress "$label")
    point_args+=(--downstream-port "$(downstream_port "$base_port")")
    [[ -z $base_port ]] || point_args+=(--port "$((base_port + $(index_of "$name" "${variant_list[@]}")))")
    measure_open_loop_point "${L_RATE[index]}" "${L_FRACTION[index]}" "${L_BOUND[index]}" \
      "${L_WANTED[index]}" "${L_LENGTH[index]}" "${point_args[@]}" || failed=$((failed + 1))
    predicted_done=$((predicted_done + predicted[index]))
    POINTS_DONE=$((POINTS_DONE + 1))
  done

  end_series "$started_ms" "${#L_VARIANT[@]}" "$predicted_total" "$failed" 0 "" \
    "summary.md with charts/, summary.csv, one folder per point"
}

main "$@"
