#!/usr/bin/env bash
# Summarise a folder of plain wrk logs from anywhere (the seed's own three, say) as a run.
#
# Usage: scripts/summarize-logs.sh DIR [--out OUT_DIR] [--delay-ms N] [--workers N] [--quiet]
#
#   DIR            every file in it is one wrk log, as wrk printed it (with or without the
#                  JSON line of scripts/wrk-report.lua); a file named after a variant
#                  (python-sync.txt, async-server.log, ...) gets that variant's Little's-law
#                  bound when --delay-ms is given
#   --out OUT_DIR  where summary.md, summary.csv and charts/ go (default: DIR)
#   --delay-ms N   the servers' delay per request (default: unknown, no bound)
#   --workers N    the servers' workers (default 1)
#   --quiet        do not print summary.md
#
# Each log becomes a point (numbers.txt with what the variant table says, the log as wrk.txt)
# of a run in a temporary folder, which bench-report summarises; a file that is not wrk
# output is skipped with a warning.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
USAGE_FILE="${BASH_SOURCE[0]}"
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

# logs_to_points LOG_DIR RUN_DIR DELAY_MS WORKERS: one point folder per wrk log.
logs_to_points() {
  local log_dir=$1 run_dir=$2 delay_ms=$3 workers=$4 file name index=0 seq i known=()
  mapfile -t known < <(variant_names)
  for file in "$log_dir"/*; do
    [[ -f $file ]] || continue
    case "${file##*/}" in summary.md | summary.csv | meta.json | README*) continue ;; esac
    if ! "$REPORT" wrk "$file" >/dev/null 2>&1; then
      warn "skipping $file: not wrk output"
      continue
    fi
    name=${file##*/}
    name=${name%.*}
    index=$((index + 1))
    # Known variants in the table's order (the seed's), then the others by file name.
    seq=$((1000 + index))
    for ((i = 0; i < ${#known[@]}; i++)); do [[ ${known[i]} == "$name" ]] && seq=$((i + 1)); done
    mkdir "$run_dir/$name"
    cp "$file" "$run_dir/$name/wrk.txt"
    numbers_append "$run_dir/$name/numbers.txt" variant="$name" seq="$seq" status=ok \
      delay_ms="$delay_ms" workers="$workers"
    if variant_lookup "$name"; then
      numbers_append "$run_dir/$name/numbers.txt" family="$V_FAMILY" kind="$V_KIND" blocks="$V_BLOCKS" \
        bound_by="$V_BOUND_BY"
    fi
  done
  ((index > 0)) || die "no wrk logs in $log_dir"
}

main() {
  local logs="" out="" delay_ms="" workers=1 quiet=no
  (($#)) && [[ $1 != -* ]] && logs=$1 && shift
  # shellcheck disable=SC2034 # read by parse_options
  local -A spec=([--out]=out [--delay-ms]=delay_ms [--workers]=workers [--quiet]='!quiet')
  parse_options spec "$@"
  [[ -n $logs ]] || {
    print_usage "$USAGE_FILE" >&2
    exit 2
  }
  [[ -d $logs ]] || die "$logs is not a folder of wrk logs"
  [[ -z $delay_ms ]] || is_uint "$delay_ms" || die "--delay-ms must be a whole number"
  if ! is_uint "$workers" || ((workers < 1)); then die "--workers must be a whole number, at least 1"; fi
  require_report
  out=${out:-$logs}
  mkdir -p "$out" || die "cannot create $out"
  local run_dir
  run_dir=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: run_dir is local
  trap "rm -rf '$run_dir'" EXIT
  printf '{\n  "logs": %s\n}\n' "$(json_string "$logs")" >"$run_dir/meta.json"
  logs_to_points "$logs" "$run_dir" "$delay_ms" "$workers"
  "$REPORT" summarize --quiet "$run_dir"
  cp "$run_dir/summary.md" "$run_dir/summary.csv" "$out/"
  if [[ -d $run_dir/charts ]]; then
    mkdir -p "$out/charts"
    cp "$run_dir"/charts/* "$out/charts/"
  fi
  [[ $quiet == yes ]] || cat "$out/summary.md"
}

main "$@"
