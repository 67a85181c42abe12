#!/usr/bin/env bash
# Run the seed's experiment: each variant under wrk, raw logs kept, a summary that explains.
#
#   scripts/bench.sh                                   # the seed's three servers, seed's load
#   scripts/bench.sh --variants async-server --duration 3s
#   scripts/bench.sh --url http://10.0.0.5:8080/ --label my-server   # a server you run
#
# One run = one new folder results/<run-id>/ (results/latest points to it). Each point is
# measured by measure_point (scripts/measure-point.sh), the same function a sweep uses.
# Progress goes to stderr, summary.md to stdout at the end.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
# shellcheck source=scripts/lib.sh
source "$SCRIPT_DIR/lib.sh"
# shellcheck source=scripts/measure-point.sh
source "$SCRIPT_DIR/measure-point.sh"

usage() {
  cat <<EOF
Usage: scripts/bench.sh [options]

  --variants "A B"   variants to run (default: $DEFAULT_VARIANTS);
                     known: $(variant_names | tr '\n' ' ')
  --threads N        wrk threads, never above the connections (default 4)
  --connections N    wrk connections (default 100)
  --duration D       measured wrk duration per variant (default 10s)
  --delay-ms N       each server's simulated downstream wait (default 10)
  --workers N        each server's handler threads (default 1)
  --runs N           measured runs per variant, interleaved (default 1)
  --timeout D        wrk --timeout, well above connections x delay (default 10s)
  --warmup D         warm-up at full load before each measured run, 0 to skip (default 1s)
  --url URL          measure a server you already run (anywhere): nothing is started,
                     stopped or built; --label NAME names it (a variant name gives its bound)
  --results-dir DIR  where run folders go (default results)
  --host HOST        where started variants listen (default 127.0.0.1)
  --base-port N      variants listen on N, N+1, ... instead of their own ports
  -h, --help         this text

Writes DIR/<run-id>/{meta.json,summary.md,summary.csv,<variant>/...}; exit status 1 if any
variant failed (the others still run), 130 if interrupted (the partial run is kept and
marked INCOMPLETE).
EOF
}

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

write_meta() {
  local file=$1 variants=$2 threads=$3 connections=$4 duration=$5 delay_ms=$6 workers=$7
  local runs=$8 timeout=$9 warmup=${10} url=${11} host=${12} base_port=${13}
  local cpu_model rustc wrk_version commit dirty=false os=unknown
  cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
  rustc=$(rustc --version 2>/dev/null || echo unknown)
  wrk_version=$( (wrk -v 2>&1 || true) | head -n 1)
  wrk_version=${wrk_version%% Copyright*}
  commit=$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
  [[ -n $(git -C "$REPO_ROOT" status --porcelain 2>/dev/null) ]] && dirty=true
  [[ -r /etc/os-release ]] && os=$(. /etc/os-release && echo "${PRETTY_NAME:-unknown}")
  {
    echo "{"
    echo "  \"run_id\": $(json_string "$(basename "$RUN_DIR")"),"
    echo "  \"date\": $(json_string "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),"
    echo "  \"variants\": $(json_string "$variants"),"
    echo "  \"url\": $(json_string "$url"),"
    echo "  \"threads\": $threads,"
    echo "  \"connections\": $connections,"
    echo "  \"duration\": $(json_string "$duration"),"
    echo "  \"delay_ms\": $delay_ms,"
    echo "  \"workers\": $workers,"
    echo "  \"runs\": $runs,"
    echo "  \"timeout\": $(json_string "$timeout"),"
    echo "  \"warmup\": $(json_string "$warmup"),"
    echo "  \"host\": $(json_string "$host"),"
    echo "  \"base_port\": $(json_string "$base_port"),"
    echo "  \"hostname\": $(json_string "$(hostname 2>/dev/null || echo unknown)"),"
    echo "  \"cpu_model\": $(json_string "${cpu_model:-unknown}"),"
    echo "  \"cores\": $(nproc),"
    echo "  \"memory_kb\": $(awk '/^MemTotal:/ { print $2 }' /proc/meminfo),"
    echo "  \"kernel\": $(json_string "$(uname -r)"),"
    echo "  \"os\": $(json_string "$os"),"
    echo "  \"open_files_limit\": $(json_string "$(ulimit -n)"),"
    echo "  \"rustc\": $(json_string "$rustc"),"
    echo "  \"wrk_version\": $(json_string "$wrk_version"),"
    echo "  \"git_commit\": $(json_string "$commit"),"
    echo "  \"git_dirty\": $dirty"
    echo "}"
  } >"$file"
}

# on_exit: whatever happened, stop what we started; a run that did not finish is kept,
# marked INCOMPLETE and summarised as far as it got.
on_exit() {
  local status=$?
  set +e
  stop_tracked_processes
  if [[ -n $RUN_DIR && $RUN_FINISHED != yes ]]; then
    {
      if [[ -n $INTERRUPTED ]]; then
        printf 'Interrupted by %s at %s' "$INTERRUPTED" "$(date -u +%H:%M:%SZ)"
      else
        printf 'Stopped by an error (exit %s) at %s' "$status" "$(date -u +%H:%M:%SZ)"
      fi
      printf ' during %s, after %d of %d points.\n' "${CURRENT_POINT:-set-up}" "$POINTS_DONE" "$POINTS_TOTAL"
    } >"$RUN_DIR/INCOMPLETE"
    "$SCRIPT_DIR/summarize.sh" --quiet "$RUN_DIR" 2>/dev/null
    log "run INCOMPLETE, kept in $RUN_DIR: $(cat "$RUN_DIR/INCOMPLETE")"
  fi
}

main() {
  local variants=$DEFAULT_VARIANTS threads=4 connections=100 duration=10s delay_ms=10 workers=1
  local runs=1 timeout=10s warmup=1s url="" label="" results_dir=results host=127.0.0.1 base_port=""
  while (($#)); do
    case "$1" in
      -h | --help) usage && return 0 ;;
      --variants) variants=$2 ;;
      --threads) threads=$2 ;;
      --connections) connections=$2 ;;
      --duration) duration=$2 ;;
      --delay-ms) delay_ms=$2 ;;
      --workers) workers=$2 ;;
      --runs) runs=$2 ;;
      --timeout) timeout=$2 ;;
      --warmup) warmup=$2 ;;
      --url) url=$2 ;;
      --label) label=$2 ;;
      --results-dir) results_dir=$2 ;;
      --host) host=$2 ;;
      --base-port) base_port=$2 ;;
      *) usage >&2 && die "unknown option '$1'" ;;
    esac
    (($# >= 2)) || die "option $1 needs a value"
    shift 2
  done

  # Settings first: a typo fails here, before anything starts.
  local name number
  for number in "$threads" "$connections" "$delay_ms" "$workers" "$runs" ${base_port:+"$base_port"}; do
    is_uint "$number" || die "'$number' is not a whole number"
  done
  is_duration "$duration" || die "bad duration '$duration' (e.g. 10s)"
  is_duration "$timeout" || die "bad timeout '$timeout' (e.g. 10s)"
  is_duration "$warmup" || die "bad warm-up '$warmup' (e.g. 1s, or 0)"
  ((connections >= 1 && runs >= 1 && workers >= 1)) || die "connections, runs and workers must be at least 1"
  ((threads <= connections)) || threads=$connections
  ((threads >= 1)) || threads=1
  local variant_list=()
  if [[ -n $url ]]; then
    variant_list=("${label:-url}")
  else
    read -ra variant_list <<<"$variants"
    ((${#variant_list[@]})) || die "no variants given"
    for name in "${variant_list[@]}"; do
      variant_lookup "$name" || die "unknown variant '$name' (known: $(variant_names | tr '\n' ' '))"
    done
  fi

  "$SCRIPT_DIR/ensure-tools.sh" wrk curl
  check_results_dir "$results_dir"
  take_lock "$results_dir"
  raise_open_files

  trap on_exit EXIT
  trap 'INTERRUPTED=SIGINT; exit 130' INT
  trap 'INTERRUPTED=SIGTERM; exit 143' TERM

  local started_ms
  started_ms=$(now_ms)
  RUN_DIR=$(new_run_dir "$results_dir")
  lock_note "$results_dir" "run $RUN_DIR, started $(date -u +%H:%M:%SZ)"
  echo "Running since $(date -u +%H:%M:%SZ)." >"$RUN_DIR/INCOMPLETE"
  ln -sfn "$(basename "$RUN_DIR")" "$results_dir/latest"
  write_meta "$RUN_DIR/meta.json" "${variant_list[*]}" "$threads" "$connections" "$duration" \
    "$delay_ms" "$workers" "$runs" "$timeout" "$warmup" "$url" "$host" "$base_port"
  POINTS_TOTAL=$((runs * ${#variant_list[@]}))
  log "run $RUN_DIR: ${#variant_list[@]} variant(s) x $runs run(s), wrk -t$threads -c$connections -d$duration, delay $delay_ms ms, $workers worker(s)"

  local run index failed=0 point_dir point_args
  for ((run = 1; run <= runs; run++)); do
    for index in "${!variant_list[@]}"; do
      name=${variant_list[index]}
      point_dir="$RUN_DIR/$name"
      ((runs == 1)) || point_dir="$RUN_DIR/$name.run$run"
      CURRENT_POINT="$name (run $run)"
      point_args=(--out "$point_dir" --threads "$threads" --connections "$connections"
        --duration "$duration" --delay-ms "$delay_ms" --workers "$workers" --timeout "$timeout"
        --warmup "$warmup" --seq "$((POINTS_DONE + 1))" --run "$run"
        --progress "[$((POINTS_DONE + 1))/$POINTS_TOTAL] $name:")
      if [[ -n $url ]]; then
        point_args+=(--url "$url" --label "$name")
      else
        point_args+=(--variant "$name" --host "$host")
        [[ -z $base_port ]] || point_args+=(--port "$((base_port + index))")
      fi
      measure_point "${point_args[@]}" || failed=$((failed + 1))
      POINTS_DONE=$((POINTS_DONE + 1))
    done
  done

  CURRENT_POINT="the summary"
  rm -f "$RUN_DIR/INCOMPLETE"
  "$SCRIPT_DIR/summarize.sh" --quiet "$RUN_DIR"
  RUN_FINISHED=yes
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
