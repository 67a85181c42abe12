#!/usr/bin/env bash
# Summarise a harness run, or a folder of plain wrk logs, into summary.md and summary.csv.
#
#   scripts/summarize.sh results/latest
#   scripts/summarize.sh --logs tests/fixtures/seed --out /tmp/seed --delay-ms 10
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
# shellcheck source=scripts/lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
  cat <<'EOF'
Usage: scripts/summarize.sh [--quiet] RUN_DIR
       scripts/summarize.sh [--quiet] --logs DIR [--out OUT_DIR] [--delay-ms N] [--workers N]

RUN_DIR   a folder written by scripts/bench.sh (one sub-folder per point with numbers.txt);
          writes RUN_DIR/summary.md and RUN_DIR/summary.csv.
--logs    every file in DIR is one wrk log, as wrk printed it (with or without the JSON line
          of scripts/wrk-report.lua); a file named after a variant (python-sync.txt,
          async-server.log, ...) gets that variant's Little's-law bound when --delay-ms is
          given. Writes OUT_DIR (default DIR)/summary.{md,csv}.
--quiet   do not print summary.md.
EOF
}

# meta_value FILE KEY: a string or number from our own one-key-per-line meta.json.
meta_value() {
  awk -v key="$2" -F': ' '{ k = $1; gsub(/[ "]/, "", k) } k == key { v = $2; sub(/,$/, "", v); gsub(/^"|"$/, "", v); print v; exit }' "$1"
}

# logs_to_points LOG_DIR POINTS_DIR DELAY_MS WORKERS: one numbers.txt per wrk log.
logs_to_points() {
  local log_dir=$1 points_dir=$2 delay_ms=$3 workers=$4 file name index=0 seq point connections threads duration i
  local known=()
  mapfile -t known < <(variant_names)
  for file in "$log_dir"/*; do
    [[ -f $file ]] || continue
    case "${file##*/}" in summary.md | summary.csv | meta.json | README*) continue ;; esac
    name=${file##*/}
    name=${name%.*}
    index=$((index + 1))
    # Known variants in the table's order (the seed's), then the others by file name.
    seq=$((1000 + index))
    for ((i = 0; i < ${#known[@]}; i++)); do [[ ${known[i]} == "$name" ]] && seq=$((i + 1)); done
    point="$points_dir/$index"
    mkdir -p "$point"
    if ! awk -f "$SCRIPT_DIR/parse-wrk.awk" "$file" >"$point/numbers.txt" 2>/dev/null; then
      warn "skipping $file: not wrk output"
      rm -rf "$point"
      continue
    fi
    connections=$(awk -F= '$1 == "wrk_connections" { print $2 }' "$point/numbers.txt")
    threads=$(awk -F= '$1 == "wrk_threads" { print $2 }' "$point/numbers.txt")
    duration=$(awk -F= '$1 == "wrk_duration" { print $2 }' "$point/numbers.txt")
    {
      echo "variant=$name"
      echo "seq=$seq"
      echo "run=1"
      echo "status=ok"
      echo "connections=$connections"
      echo "threads=$threads"
      echo "duration=$duration"
      echo "delay_ms=$delay_ms"
      echo "workers=$workers"
      if variant_lookup "$name"; then
        echo "family=$V_FAMILY"
        echo "kind=$V_KIND"
        echo "blocks=$V_BLOCKS"
        echo "bound_rule=$(bound_rule_text "$V_BOUND_BY")"
        if [[ -n $delay_ms && $delay_ms != 0 && -n $connections ]]; then
          echo "bound_req_per_sec=$(awk -v c="$(bound_concurrency "$V_BOUND_BY" "$connections" "$workers")" -v d="$delay_ms" 'BEGIN { printf "%.1f", c * 1000 / d }')"
        fi
      fi
    } >>"$point/numbers.txt"
  done
}

# summarize_run RUN_DIR: summary of a harness run.
summarize_run() {
  local run_dir=$1 meta="$1/meta.json" title context="" incomplete=""
  local numbers=()
  mapfile -t numbers < <(find -H "$run_dir" -mindepth 2 -maxdepth 2 -name numbers.txt | sort)
  title="Benchmark run $(basename "$(cd "$run_dir" && pwd -P)")"
  if [[ -f $meta ]]; then
    context="Load: \`wrk -t$(meta_value "$meta" threads) -c$(meta_value "$meta" connections) -d$(meta_value "$meta" duration) --timeout $(meta_value "$meta" timeout) --latency\`"
    local warmup
    warmup=$(meta_value "$meta" warmup)
    if [[ $warmup == 0 ]]; then context+=" with no warm-up;"; else context+=" after a $warmup warm-up;"; fi
    context+=" $(meta_value "$meta" runs) run(s) per variant;"
    if [[ -n $(meta_value "$meta" url) ]]; then
      context+=" server at $(meta_value "$meta" url), not started by the harness (a bound is shown only if it was named after a variant, assuming a $(meta_value "$meta" delay_ms) ms delay and $(meta_value "$meta" workers) worker(s))."
    else
      context+=" each request to \`/\` waits $(meta_value "$meta" delay_ms) ms; $(meta_value "$meta" workers) worker(s)."
    fi
    context+=$'\n'"Machine: $(meta_value "$meta" cpu_model), $(meta_value "$meta" cores) cores, Linux $(meta_value "$meta" kernel);"
    context+=" $(meta_value "$meta" rustc), $(meta_value "$meta" wrk_version); commit $(meta_value "$meta" git_commit)$([[ $(meta_value "$meta" git_dirty) == true ]] && echo ' (with uncommitted changes)'); $(meta_value "$meta" date)."
    context+=$'\n'"wrk and the servers share these cores: the client's CPU use is part of every figure."
  fi
  if [[ -f $run_dir/INCOMPLETE ]]; then
    incomplete=$(<"$run_dir/INCOMPLETE")
    incomplete=${incomplete//$'\n'/ }
  fi
  write_summary "$run_dir" "$title" "$context" "$incomplete" "$(nproc)" "${numbers[@]}"
}

# write_summary OUT_DIR TITLE CONTEXT INCOMPLETE CORES NUMBERS_FILE...
write_summary() {
  local out=$1 title=$2 context=$3 incomplete=$4 cores=$5
  shift 5
  awk -v md="$out/summary.md.tmp" -v csv="$out/summary.csv.tmp" -v title="$title" -v context="$context" \
    -v incomplete="$incomplete" -v cores="$cores" -f "$SCRIPT_DIR/summarize.awk" "$@" </dev/null
  mv "$out/summary.md.tmp" "$out/summary.md"
  mv "$out/summary.csv.tmp" "$out/summary.csv"
}

main() {
  local logs="" out="" delay_ms="" workers=1 quiet=no target=""
  while (($#)); do
    case "$1" in
      -h | --help) usage && return 0 ;;
      --logs) logs=$2 && shift ;;
      --out) out=$2 && shift ;;
      --delay-ms) delay_ms=$2 && shift ;;
      --workers) workers=$2 && shift ;;
      --quiet) quiet=yes ;;
      -*) usage >&2 && die "unknown option $1" ;;
      *) target=$1 ;;
    esac
    shift
  done
  if [[ -n $logs ]]; then
    [[ -d $logs ]] || die "$logs is not a folder of wrk logs"
    [[ -z $delay_ms ]] || is_uint "$delay_ms" || die "--delay-ms must be a whole number"
    out=${out:-$logs}
    mkdir -p "$out" || die "cannot create $out"
    local points_dir numbers=() context
    points_dir=$(mktemp -d)
    # shellcheck disable=SC2064 # expand now: points_dir is local
    trap "rm -rf '$points_dir'" EXIT
    logs_to_points "$logs" "$points_dir" "$delay_ms" "$workers"
    mapfile -t numbers < <(find "$points_dir" -name numbers.txt | sort -t/ -k1,1 -V)
    context="wrk logs from \`$logs\`; delay per request: ${delay_ms:-unknown (no bound computed)}${delay_ms:+ ms}, $workers worker(s). Machine: unknown (logs from elsewhere)."
    write_summary "$out" "Summary of wrk logs" "$context" "" "?" "${numbers[@]}"
  else
    [[ -n $target ]] || {
      usage >&2
      exit 2
    }
    [[ -d $target ]] || die "$target is not a folder"
    out=$target
    summarize_run "$target"
  fi
  [[ $quiet == yes ]] || cat "$out/summary.md"
}

main "$@"
