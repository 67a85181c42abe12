#!/usr/bin/env bats
# scripts/latency.sh (make latency): the plan, its flags and bad input, the generator that
# cannot be had, recorded oha output parsed, one tiny real run (two variants, two loads, 1 s
# each, shared by the tests below) and a server killed in the middle of a series.

load test_helper

setup_file() {
  require_binaries sync-server async-server bench-report
  # The generator, from the machine's cache (make test-scripts builds it there first).
  OHA_BIN=$("$SCRIPTS/ensure-oha.sh") || {
    echo "oha is missing: run scripts/ensure-oha.sh" >&3
    return 1
  }
  LATENCY_RESULTS="$BATS_FILE_TMPDIR/results"
  export OHA_BIN LATENCY_RESULTS
  # 0.5 and 1.25 of each bound: sync-server 50 and 125 req/s, async-server 5,000 and 12,500;
  # above the bound each load runs again for half as long: 6 points.
  "$SCRIPTS/latency.sh" --results-dir "$LATENCY_RESULTS" --base-port "$(free_base_port)" \
    --variants "sync-server async-server" --fractions "0.5 1.25" --duration 1s \
    >"$BATS_FILE_TMPDIR/summary.out" 2>"$BATS_FILE_TMPDIR/progress.log" ||
    echo "the tiny latency run failed: $(tail -n 5 "$BATS_FILE_TMPDIR/progress.log")" >&3
}

# csv_column FILE VARIANT LENGTH FRACTION COLUMN: one cell of a latency summary.csv.
csv_column() {
  awk -F, -v variant="$2" -v length_="$3" -v fraction="$4" -v column="$5" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == column) c = i; next }
    $1 == variant && $2 == length_ && $6 + 0 == fraction + 0 { print $c; exit }' "$1"
}

@test "the plan: each variant at fractions of its bound, enough connections, half-length runs above it" {
  run "$SCRIPTS/latency.sh" --dry-run
  [ "$status" -eq 0 ]
  # 3 variants x 8 loads, and a half-length run at 1.1 and 1.25 each: 30 points.
  [[ ${lines[-1]} =~ ^30\ points,\ estimated\ ([0-9]+)m ]]
  ((BASH_REMATCH[1] < 5))
  # sync-server's bound is 1 thread / 10 ms = 100 req/s; async-server's 100 connections / 10 ms.
  [[ $output =~ sync-server\ +full\ +50\ req/s\ +0\.5\ +of\ bound\ \(100\)\ +c=4\ +\(wanted\ 1\) ]]
  [[ $output =~ async-server\ +full\ +1000\ req/s\ +0\.1\ +of\ bound\ \(10000\)\ +c=20\ +\(wanted\ 20\) ]]
  # Connections: rate x delay x 2, capped at the bound's 100 connections.
  [[ $output =~ async-server\ +full\ +9000\ req/s\ +0\.9\ +of\ bound\ \(10000\)\ +c=100\ +\(wanted\ 180\) ]]
  [[ $output =~ async-blocking-server\ +half\ +125\ req/s ]]
  [[ ! $output =~ half\ +100\ req/s ]]
  run "$SCRIPTS/latency.sh" --dry-run --quick
  [ "$status" -eq 0 ]
  [[ ${lines[-1]} =~ ^12\ points,\ estimated\ 0m([0-9]+)s ]]
  ((BASH_REMATCH[1] < 90))
  # Any variant of the table, rates instead of fractions.
  run "$SCRIPTS/latency.sh" --dry-run --variants "python-sync async-blocking-offload" --rates "50 200"
  [ "$status" -eq 0 ]
  [[ $output =~ python-sync\ +full\ +200\ req/s\ +2\ +of\ bound\ \(100\) ]]
  [[ $output =~ python-sync\ +half\ +200\ req/s ]]
  [[ $output =~ async-blocking-offload\ +full\ +50\ req/s\ +0\.005\ +of\ bound\ \(10000\) ]]
}

@test "bad input fails before anything starts, naming what is wrong" {
  local results="$BATS_TEST_TMPDIR/results"
  local cases=(
    "--rates|0 50|error: a rate of 0 offers no load: '0' (each must be above 0)"
    "--fractions|0.5 -0.25|error: bad fraction '-0.25': expected a number above 0 (e.g. 0.5)"
    "--fractions|half|error: bad fraction 'half': expected a number above 0 (e.g. 0.5)"
    "--fractions|0.0|error: a fraction of 0 offers no load: '0.0' (each must be above 0)"
    "--rates|1e3|error: bad rate '1e3': expected a number above 0 (e.g. 50)"
    "--variants|sync-server nginx|error: unknown variant 'nginx' (known: sync-server async-server async-blocking-server async-blocking-offload async-timerfd python-sync python-async python-async-blocking)"
    "--duration|5 seconds|error: bad duration '5 seconds' (e.g. 10s, or 0 to skip where allowed)"
    "--delay-ms|0|error: with --delay-ms 0 there is no bound to take fractions of: give --rates"
    "--bogus|1|error: unknown option '--bogus'"
  )
  local case option value message
  for case in "${cases[@]}"; do
    IFS='|' read -r option value message <<<"$case"
    run "$SCRIPTS/latency.sh" --results-dir "$results" "$option" "$value"
    echo "$option $value -> $status: $output"
    [ "$status" -eq 1 ]
    [ "${lines[-1]}" = "$message" ]
  done
  # Nothing started: no run folder.
  [ ! -e "$results" ] || [ -z "$(ls -A "$results")" ]
  run "$SCRIPTS/latency.sh" --help
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == "Usage: scripts/latency.sh [options]" ]]
  [[ $output == *"--fractions"*"--rates"*"--quick"*"--dry-run"* ]]
}

@test "a generator that is missing and cannot be built: one exact message, nothing run" {
  local cache="$BATS_TEST_TMPDIR/cache" results="$BATS_TEST_TMPDIR/results"
  local message="error: oha 1.16.0 (the open-loop load generator) is missing and could not be installed (cargo install --locked oha --version 1.16.0 --root $cache/oha-1.16.0): install cargo (Rust), or set OHA=/path/to/oha"
  OHA="" OHA_CACHE_DIR="$cache" CARGO="$BATS_TEST_TMPDIR/no-such-cargo" run "$SCRIPTS/ensure-oha.sh"
  [ "$status" -eq 1 ]
  [ "${lines[-1]}" = "$message" ]
  # cargo is there but the build fails (a cargo that fails as it would without crates.io):
  # the same message, and nothing half-installed left where the next run looks.
  printf '#!/bin/sh\necho "error: failed to download" >&2\nexit 101\n' >"$BATS_TEST_TMPDIR/failing-cargo"
  chmod +x "$BATS_TEST_TMPDIR/failing-cargo"
  OHA="" OHA_CACHE_DIR="$cache" CARGO="$BATS_TEST_TMPDIR/failing-cargo" run "$SCRIPTS/ensure-oha.sh"
  [ "$status" -eq 1 ]
  [ "${lines[-1]}" = "$message" ]
  [ ! -e "$cache/oha-1.16.0" ]
  # make latency stops there, before any server starts or any run folder is made.
  OHA="" OHA_CACHE_DIR="$cache" CARGO="$BATS_TEST_TMPDIR/no-such-cargo" run "$SCRIPTS/latency.sh" \
    --results-dir "$results" --variants sync-server --fractions 0.5
  [ "$status" -eq 1 ]
  [ "${lines[-1]}" = "$message" ]
  [ ! -e "$results" ] || [ -z "$(ls -A "$results")" ]
  # OHA names a binary that does not run: the same message.
  OHA="$BATS_TEST_TMPDIR/no-such-oha" run "$SCRIPTS/ensure-oha.sh"
  [ "$status" -eq 1 ]
  [[ ${lines[-1]} == "error: oha 1.16.0 (the open-loop load generator) is missing and could not be installed "* ]]
}

@test "recorded oha output: figures from its JSON, a foreign file refused by name" {
  local cases=(
    "sync-server-50rps.json|50 req/s answered, p50 10.53 ms, p99 14.71 ms, 0 failures, 0 timeouts, 1 cut off at the end"
    "sync-server-125rps.json|96 req/s answered, p50 241.26 ms, p99 454.04 ms, 0 failures, 0 timeouts, 4 cut off at the end"
    "async-server-5000rps.json|4959 req/s answered, p50 11.61 ms, p99 15.84 ms, 0 failures, 0 timeouts, 43 cut off at the end"
    "no-server.json|0 req/s answered, p50 —, p99 —, 50 failures, 0 timeouts, 1 cut off at the end"
  )
  local case file expected
  for case in "${cases[@]}"; do
    IFS='|' read -r file expected <<<"$case"
    run "$REPORT" oha "$FIXTURES/oha/$file"
    echo "$file: $output"
    [ "$status" -eq 0 ]
    [ "$output" = "$expected" ]
  done
  run "$REPORT" oha "$FIXTURES/wrk/async-server-with-json.txt"
  [ "$status" -eq 1 ]
  [[ $output == "bench-report: $FIXTURES/wrk/async-server-with-json.txt:1: not oha's JSON output"* ]]
}

@test "a tiny latency run: a folder per point with its raw output, progress with the time left" {
  run_dir=$(readlink -f "$LATENCY_RESULTS/latest")
  [ ! -e "$run_dir/INCOMPLETE" ]
  grep -q '^  "kind": "latency",$' "$run_dir/meta.json"
  grep -q '^  "oha_version": "1.16.0",$' "$run_dir/meta.json"
  [ "$(find "$run_dir" -mindepth 2 -maxdepth 2 -name numbers.txt | wc -l)" -eq 6 ]
  for point in sync-server.f0.5 async-server.f0.5 sync-server.f1.25 sync-server.f1.25.half \
    async-server.f1.25 async-server.f1.25.half; do
    [ "$(value status "$run_dir/$point/numbers.txt")" = ok ]
    "$REPORT" oha "$run_dir/$point/oha.json"
    grep -q '^{"wrk_report":1,' "$run_dir/$point/primer.txt"
    [ "$(value oha_exit "$run_dir/$point/numbers.txt")" = 0 ]
    [[ $(value oha_command "$run_dir/$point/numbers.txt") == *" -q "*" --latency-correction -z "* ]]
    dead "$(cat "$run_dir/$point/server.pid")"
  done
  [ "$(value rate "$run_dir/sync-server.f0.5/numbers.txt")" = 50 ]
  [ "$(value connections "$run_dir/sync-server.f0.5/numbers.txt")" = 4 ]
  [ "$(value rate "$run_dir/async-server.f1.25/numbers.txt")" = 12500 ]
  [ "$(value connections "$run_dir/async-server.f1.25/numbers.txt")" = 100 ]
  [ "$(value connections_wanted "$run_dir/async-server.f1.25/numbers.txt")" = 250 ]
  [ "$(value length "$run_dir/sync-server.f1.25.half/numbers.txt")" = half ]
  [ "$(value duration "$run_dir/sync-server.f1.25.half/numbers.txt")" = 500ms ]
  grep -q '^\[1/6, 0m00s elapsed, ~0m[0-9][0-9]s left\] sync-server 50 req/s (0.5 of bound): ' "$BATS_FILE_TMPDIR/progress.log"
  grep -q '^\[4/6, 0m[0-9][0-9]s elapsed, ~0m[0-9][0-9]s left\] sync-server 125 req/s (1.25 of bound), half length: ' "$BATS_FILE_TMPDIR/progress.log"
  grep -q '^total time: 0m[0-9][0-9]s for 6 points (estimated 0m[0-9][0-9]s)$' "$BATS_FILE_TMPDIR/progress.log"
}

@test "the tiny run's report: the answer, the checks and their thresholds, every point, the CSV" {
  md="$LATENCY_RESULTS/latest/summary.md"
  cmp -s "$md" "$BATS_FILE_TMPDIR/summary.out"
  grep -q '^# Latency against offered load ' "$md"
  grep -q '^## Does the async server have lower latency?$' "$md"
  grep -q '^- \*\*async-server against sync-server\*\*: ' "$md"
  grep -q '^### 1\. Below 75% of its bound, p50 stays within 1\.25× the unloaded p50$' "$md"
  grep -q '^### 2\. Above 100% of its bound, latency grows with the run.s length: the full run.s p50 at least 1\.5× the half-length run.s$' "$md"
  grep -q '^- \*\*sync-server: \(holds\|does not hold\)\*\*: at 50\.0 req/s (50% of its bound), p50 ' "$md"
  [ "$(grep -c '^| \(sync\|async\)-server | \(full\|half\) | ' "$md")" -eq 6 ]
  csv="$LATENCY_RESULTS/latest/summary.csv"
  [ "$(wc -l <"$csv")" -eq 7 ]
  [[ $(head -n 1 "$csv") == variant,length,status,family,kind,fraction,offered_req_per_sec,bound_req_per_sec,connections,* ]]
  [ "$(csv_column "$csv" sync-server full 0.5 offered_req_per_sec)" = 50.000 ]
  [ "$(csv_column "$csv" async-server half 1.25 bound_req_per_sec)" = 10000.0 ]
  # Queueing, with generous margins: below its bound sync-server answers near the delay;
  # above it the same server's p50 is a queue, several times longer, and longer over a
  # longer run (a queue that grows as long as the load lasts).
  below=$(csv_column "$csv" sync-server full 0.5 latency_p50_us)
  over=$(csv_column "$csv" sync-server full 1.25 latency_p50_us)
  half=$(csv_column "$csv" sync-server half 1.25 latency_p50_us)
  echo "sync-server p50: $below us at 50%, $over us at 125% (1 s), $half us (0.5 s)"
  ((below >= 10000 && below < 30000))
  ((over > 3 * below))
  ((over > half))
}

@test "the tiny run's charts: latency against load as fractions of the bound and in req/s" {
  charts="$LATENCY_RESULTS/latest/charts"
  [ "$(grep -c '^,sync-server,p50,' "$charts/latency-vs-load.csv")" -eq 2 ]
  [ "$(grep '^,sync-server,p50,' "$charts/latency-vs-load.csv" | cut -d, -f4 | paste -sd' ')" = "0.5 1.25" ]
  [ "$(grep '^,async-server,p99,' "$charts/latency-vs-rate.csv" | cut -d, -f4 | paste -sd' ')" = "5000 12500" ]
  grep -q '^,async-server,p99.9,' "$charts/latency-vs-rate.csv"
  # The half-length runs are not drawn.
  [ "$(wc -l <"$charts/latency-vs-load.csv")" -eq $((1 + 2 * 3 * 2)) ]
  md="$LATENCY_RESULTS/latest/summary.md"
  grep -q 'latency-vs-load' "$md"
  grep -q 'latency-vs-rate' "$md"
}

@test "a server that dies mid-series: its point is marked failed, the next point goes on" {
  local results="$BATS_TEST_TMPDIR/results"
  "$SCRIPTS/latency.sh" --results-dir "$results" --base-port "$(free_base_port)" \
    --variants sync-server --fractions "0.5 0.9" --duration 4s --primer 0 \
    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
  local harness=$!
  local point="$results/latest/sync-server.f0.5"
  wait_for_line "$point/numbers.txt" '^oha_command='
  kill -KILL "$(cat "$point/server.pid")"
  local status=0
  wait "$harness" || status=$?
  cat "$BATS_TEST_TMPDIR/err"
  [ "$status" -eq 1 ]
  [ "$(value status "$point/numbers.txt")" = failed ]
  [[ $(value failure "$point/numbers.txt") == "the server died during the measured run (exit: signal 9); oha was stopped, its partial output is in oha.json" ]]
  [ "$(value status "$results/latest/sync-server.f0.9/numbers.txt")" = ok ]
  [ ! -e "$results/latest/INCOMPLETE" ]
  grep -q '^| sync-server | full | 50\.0 | 50% | 4 | \*\*FAILED\*\*: the server died during the measured run' "$results/latest/summary.md"
  grep -q '^1 of 2 point(s) FAILED: see the summary$' "$BATS_TEST_TMPDIR/err"
}
