#!/usr/bin/env bash
# Summarise a harness run (bench or sweep), or a folder of plain wrk logs, into summary.md,
# summary.csv and, where gnuplot is installed, charts/*.svg (from scripts/charts/*.gp, each
# chart's data file beside it).
#
#   scripts/summarize.sh results/latest
#   scripts/summarize.sh --logs baselines/python/seed-results --out /tmp/seed --delay-ms 10
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

RUN_DIR   a folder written by scripts/bench.sh or scripts/sweep.sh (one sub-folder per point
          with numbers.txt); writes RUN_DIR/summary.md, RUN_DIR/summary.csv and RUN_DIR/charts/.
--logs    every file in DIR is one wrk log, as wrk printed it (with or without the JSON line
          of scripts/wrk-report.lua); a file named after a variant (python-sync.txt,
          async-server.log, ...) gets that variant's Little's-law bound when --delay-ms is
          given. Writes OUT_DIR (default DIR)/summary.{md,csv}.
--quiet   do not print summary.md.

GNUPLOT (environment) names the gnuplot to use (default: gnuplot); where it is missing the
charts are skipped with a message, and their data files are still written.
EOF
}

readonly CHART_SCRIPTS="$SCRIPT_DIR/charts"
# The seed's own wrk output, as it published it.
readonly SEED_RESULTS="$REPO_ROOT/baselines/python/seed-results"
GNUPLOT=${GNUPLOT:-gnuplot}

have_gnuplot() { command -v "$GNUPLOT" >/dev/null 2>&1; }

# gnuplot_string TEXT: TEXT as a gnuplot double-quoted string (newlines as \n).
gnuplot_string() {
  local text=${1//\\/\\\\}
  text=${text//\"/\\\"}
  text=${text//$'\n'/\\n}
  printf '"%s"' "$text"
}

# draw_chart SCRIPT DATA SVG HEADING [VARIANTS]: one SVG from scripts/charts/SCRIPT.gp.
draw_chart() {
  local script=$1 data=$2 svg=$3 heading=$4 variants=${5:-}
  if ! "$GNUPLOT" -e "set loadpath $(gnuplot_string "$CHART_SCRIPTS")" \
    -e "datafile=$(gnuplot_string "$data"); outfile=$(gnuplot_string "$svg.tmp"); variants=$(gnuplot_string "$variants")" \
    -e "heading=$(gnuplot_string "$heading")" "$CHART_SCRIPTS/$script.gp" 2>"$svg.log"; then
    warn "gnuplot failed on $svg (see $svg.log)"
    rm -f "$svg.tmp"
    return 1
  fi
  mv "$svg.tmp" "$svg"
  [[ -s $svg.log ]] || rm -f "$svg.log"
}

# run_cores META: the cores of the machine that ran it (this one's, for a folder without meta.json).
run_cores() {
  local cores=""
  [[ ! -f $1 ]] || cores=$(meta_value "$1" cores)
  echo "${cores:-$(nproc)}"
}

# machine_line META: "CPU model, N cores" for chart titles.
machine_line() { echo "$(meta_value "$1" cpu_model), $(meta_value "$1" cores) cores"; }

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
  if [[ -f $meta && $(meta_value "$meta" kind) == sweep ]]; then
    summarize_sweep "$run_dir"
    return
  fi
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
  mkdir -p "$run_dir/charts"
  write_summary "$run_dir" "$title" "$context" "$incomplete" "$(run_cores "$meta")" -v bench_dat="$run_dir/charts/seed-comparison.dat" \
    -f "$SCRIPT_DIR/summarize.awk" "${numbers[@]}"
  languages "$run_dir"
  bench_chart "$run_dir"
}

# languages RUN_DIR: where a run measured an architecture in both Rust and Python, the two
# side by side, with the seed's own figures (parsed from its wrk logs) in a column apart.
languages() {
  local run_dir=$1 seed_numbers kind
  seed_numbers=$(mktemp)
  for kind in sync async async-blocking; do
    awk -f "$SCRIPT_DIR/parse-wrk.awk" "$SEED_RESULTS/python-$kind.txt" |
      awk -F= -v kind="$kind" '{ v[$1] = $2 } END { print kind, v["req_per_sec"], v["latency_mean_us"], v["latency_max_us"] }'
  done >"$seed_numbers"
  awk -v seed="$seed_numbers" -f "$SCRIPT_DIR/languages.awk" "$run_dir/summary.csv" >>"$run_dir/summary.md"
  rm -f "$seed_numbers"
}

# bench_chart RUN_DIR: the seed's comparison as bars, appended to summary.md.
bench_chart() {
  local run_dir=$1 meta="$1/meta.json" data="$1/charts/seed-comparison.dat" heading
  (($(grep -vc '^#' "$data") > 0)) || return 0
  printf '\n## Chart\n\n' >>"$run_dir/summary.md"
  if ! have_gnuplot; then
    log "charts skipped: gnuplot is not installed (install gnuplot-nox, then 'make summary RUN=$run_dir')"
    echo "Not drawn: gnuplot is not installed; the data is in \`charts/seed-comparison.dat\`." >>"$run_dir/summary.md"
    return 0
  fi
  heading="The seed's comparison: wrk -t$(meta_value "$meta" threads) -c$(meta_value "$meta" connections) -d$(meta_value "$meta" duration), $(meta_value "$meta" delay_ms) ms delay, $(meta_value "$meta" workers) worker(s)"$'\n'"$(machine_line "$meta")"
  if draw_chart seed-comparison "$data" "$run_dir/charts/seed-comparison.svg" "$heading"; then
    echo "![The seed's comparison: throughput against its bound, and latency](charts/seed-comparison.svg)" >>"$run_dir/summary.md"
  else
    echo "Not drawn: gnuplot failed (see \`charts/seed-comparison.svg.log\`)." >>"$run_dir/summary.md"
  fi
}

# summarize_sweep RUN_DIR: a sweep's summary.md (charts, where each variant leaves its
# bound, how it was run, then the table of every point), summary.csv and charts/.
summarize_sweep() {
  local run_dir=$1 meta="$1/meta.json" numbers=() incomplete="" context notes load heading gnuplot=no
  local variants delay base_connections names sweep chart
  mapfile -t numbers < <(find -H "$run_dir" -mindepth 2 -maxdepth 2 -name numbers.txt | sort)
  variants=$(meta_value "$meta" variants)
  delay=$(meta_value "$meta" delay_ms)
  base_connections=$(meta_value "$meta" base_connections)
  if [[ -f $run_dir/INCOMPLETE ]]; then
    incomplete=$(<"$run_dir/INCOMPLETE")
    incomplete=${incomplete//$'\n'/ }
  fi
  have_gnuplot && gnuplot=yes
  load="wrk -t$(meta_value "$meta" threads) (fewer where the connections need it), $(meta_value "$meta" duration) per point"
  context="Sweep of $variants: connections $(meta_value "$meta" connections_list) at $delay ms; delay $(meta_value "$meta" delays) ms at $base_connections connections; workers $(meta_value "$meta" workers_list) at $base_connections connections and $delay ms (variants whose wait blocks a thread). $load, \`--timeout $(meta_value "$meta" timeout)\`."
  context+=$'\n'"Machine: $(machine_line "$meta"), Linux $(meta_value "$meta" kernel); $(meta_value "$meta" rustc), $(meta_value "$meta" wrk_version); commit $(meta_value "$meta" git_commit)$([[ $(meta_value "$meta" git_dirty) == true ]] && echo ' (with uncommitted changes)'); $(meta_value "$meta" date)."
  context+=$'\n'"wrk and the servers share these cores: the client's CPU use is part of every figure."
  notes=$(sweep_notes "$run_dir")
  mkdir -p "$run_dir/charts"
  # summarize.awk writes the table of every point (into summary.md, for now) and summary.csv;
  # summarize-sweep.awk the charts' data and the sweep's own sections (sweep.md).
  write_summary "$run_dir" "Every point" "" "" "$(run_cores "$meta")" -v with_observations=no \
    -v sweep_md="$run_dir/charts/sweep.md.tmp" -v chart_dir="$run_dir/charts" -v variants="$variants" \
    -v base_delay="$delay" -v base_connections="$base_connections" -v have_gnuplot="$gnuplot" \
    -v run_notes="$notes" -f "$SCRIPT_DIR/summarize.awk" -f "$SCRIPT_DIR/summarize-sweep.awk" "${numbers[@]}"
  {
    echo "# Sweep $(basename "$(cd "$run_dir" && pwd -P)")"
    echo
    [[ -z $incomplete ]] || printf '**INCOMPLETE RUN: %s** The charts and tables show the points measured before it stopped.\n\n' "$incomplete"
    echo "$context"
    echo
    cat "$run_dir/charts/sweep.md.tmp"
    echo
    # The table of every point, one heading level down.
    sed -e '1s/^# /## /' -e 's/^## What to look at/### What to look at, point by point/' "$run_dir/summary.md"
  } >"$run_dir/summary.md.tmp"
  mv "$run_dir/summary.md.tmp" "$run_dir/summary.md"
  rm -f "$run_dir/charts/sweep.md.tmp"

  if [[ $gnuplot == no ]]; then
    log "charts skipped: gnuplot is not installed (install gnuplot-nox, then 'make summary RUN=$run_dir'); their data is in $run_dir/charts/*.dat"
    return 0
  fi
  for sweep in connections delay workers; do
    [[ -s $run_dir/charts/$sweep.variants ]] || continue
    names=$(paste -sd ' ' "$run_dir/charts/$sweep.variants")
    case $sweep in
      connections)
        heading="Throughput vs connections ($delay ms delay per request, 1 worker)"$'\n'"$(machine_line "$meta"); $load"
        draw_chart throughput-vs-connections "$run_dir/charts/$sweep.dat" "$run_dir/charts/throughput-vs-connections.svg" "$heading" "$names" || true
        heading="Latency vs connections: p50 and p99 ($delay ms delay per request, 1 worker)"$'\n'"$(machine_line "$meta"); $load"
        draw_chart latency-vs-connections "$run_dir/charts/$sweep.dat" "$run_dir/charts/latency-vs-connections.svg" "$heading" "$names" || true
        ;;
      delay)
        heading="Throughput vs delay per request ($base_connections connections, 1 worker)"$'\n'"$(machine_line "$meta"); $load"
        draw_chart throughput-vs-delay "$run_dir/charts/$sweep.dat" "$run_dir/charts/throughput-vs-delay.svg" "$heading" "$names" || true
        ;;
      workers)
        heading="Throughput vs workers, blocking variants ($base_connections connections, $delay ms delay)"$'\n'"$(machine_line "$meta"); $load"
        draw_chart throughput-vs-workers "$run_dir/charts/$sweep.dat" "$run_dir/charts/throughput-vs-workers.svg" "$heading" "$names" || true
        ;;
    esac
  done
  for chart in "$run_dir"/charts/*.svg; do
    [[ -e $chart ]] && log "chart: $chart"
  done
  return 0
}

# sweep_notes RUN_DIR: how the sweep was run and why so, in numbers (for its summary.md).
sweep_notes() {
  local run_dir=$1 meta="$1/meta.json" duration warmup timeout primer max_queue elapsed predicted
  local not_warmed max_connections delay
  duration=$(meta_value "$meta" duration)
  warmup=$(meta_value "$meta" warmup)
  timeout=$(meta_value "$meta" timeout)
  primer=$(meta_value "$meta" primer)
  max_queue=$(meta_value "$meta" warmup_max_queue_ms)
  predicted=$(meta_value "$meta" predicted_s)
  echo "## How this sweep was run, and why so"
  echo
  echo "- Each point: a fresh server, the checks of \`make bench\`, a $primer primer with one connection (\`wrk -t1 -c1\`: the unloaded latency, hence the effective bound), $([[ $warmup == 0 ]] && echo "no warm-up" || echo "a $warmup warm-up at full load"), then $duration measured; variants interleaved at each setting, so that they meet the machine's other load alike."
  not_warmed=$(grep -lx 'warmup=0' "$run_dir"/*/numbers.txt 2>/dev/null | awk -F/ '{ print $(NF - 1) }' | paste -sd ' ' -)
  if [[ $warmup != 0 ]]; then
    echo "- The warm-up is skipped where the wait blocks a thread and the queue, connections × delay / threads, exceeds $max_queue ms (here: ${not_warmed:-no point}): such a server has nothing to warm, and it would owe the warm-up's closed connections that long of answers before the measured run could start."
  fi
  max_connections=$(tr ' ' '\n' <<<"$(meta_value "$meta" connections_list)" | sort -n | tail -n 1)
  delay=$(meta_value "$meta" delay_ms)
  if [[ -n $max_connections ]] && ((max_connections * delay >= $(duration_ms "$duration"))); then
    echo "- At $max_connections connections and $delay ms, one blocked thread needs $max_connections × $delay ms = $(awk -v c="$max_connections" -v d="$delay" 'BEGIN { printf "%g", c * d / 1000 }') s to serve every connection once: not less than the $duration run. So the run sees that queue fill up, not its steady state: every request it answers has waited at most $duration, so those latencies are the fill-up's (the steady state, by Little's law, is connections / throughput, given above for the largest point). \`--timeout $timeout\` is $( (($(duration_ms "$timeout") > $(duration_ms "$duration"))) && echo "longer than the run, so no answered request is ever dropped from the latencies: a timeout counted there is a real failure, and is reported." || echo "not longer than the run: requests that waited longer are dropped from the latencies and counted as timeouts, reported per point.")"
  fi
  echo "- Stopping a blocked server costs up to its 5 s grace: it finishes the requests still queued when wrk closes its connections."
  if [[ -f $run_dir/elapsed_s ]]; then
    elapsed=$(<"$run_dir/elapsed_s")
    echo "- The whole sweep took $((elapsed / 60)) min $((elapsed % 60)) s of wall time (the plan estimated $((predicted / 60)) min $((predicted % 60)) s)."
  fi
}


# write_summary OUT_DIR TITLE CONTEXT INCOMPLETE CORES [AWK_ARGS...] NUMBERS_FILE...
# (AWK_ARGS: more -v settings and the -f programs; summarize.awk alone when none is given).
write_summary() {
  local out=$1 title=$2 context=$3 incomplete=$4 cores=$5
  shift 5
  [[ " $* " == *" -f "* ]] || set -- -f "$SCRIPT_DIR/summarize.awk" "$@"
  awk -v md="$out/summary.md.tmp" -v csv="$out/summary.csv.tmp" -v title="$title" -v context="$context" \
    -v incomplete="$incomplete" -v cores="$cores" "$@" </dev/null
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
