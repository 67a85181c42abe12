#!/usr/bin/env bats
# shellcheck source-path=SCRIPTDIR
# The report from the command line: bench-report summarize on a run folder, and
# scripts/summarize-logs.sh on a folder of plain wrk logs (the seed's own three). The report's
# analysis and prose are unit-tested in bench-report/; here: the files it writes, its errors.

load test_helper

# point DIR KEY=VALUE...: a point folder as measure_point leaves it (numbers.txt), with a copy
# of a recorded wrk output as its wrk.txt.
point() {
  local dir=$1
  shift
  mkdir -p "$dir"
  printf '%s\n' "$@" >"$dir/numbers.txt"
  cp "$FIXTURES/wrk/async-server-with-json.txt" "$dir/wrk.txt"
}

# load_lib: the harness's shared functions (numbers_append), sourced into the test's shell.
load_lib() {
  # shellcheck source=../scripts/lib.sh
  source "$SCRIPTS/lib.sh"
}

@test "the seed's three logs: its table, its observations, and a chart of it" {
  run "$SCRIPTS/summarize-logs.sh" "$SEED_RESULTS" --out "$BATS_TEST_TMPDIR" --delay-ms 10
  echo "$output"
  [ "$status" -eq 0 ]
  md="$BATS_TEST_TMPDIR/summary.md"
  run grep '^| python' "$md"
  [[ ${lines[0]} == "| python-sync | 44.6 | 65.17 ms | 82.06 ms |"*"| 100 | 45% | — | — | — |" ]]
  [[ ${lines[1]} == "| python-async | 7685 | 12.98 ms | 17.73 ms |"*"| 10000 | 77% | — | — | — |" ]]
  [[ ${lines[2]} == "| python-async-blocking | 80.8 | 1.16 s | 1.27 s |"* ]]
  [ "$(grep -c '^[123]\. .*\*\*Holds\*\*' "$md")" -eq 3 ]
  grep -q 'python-sync had only 2.9 of 100 requests in flight' "$md"
  grep -q '^python-sync,1,ok,python,sync,4,100,10s,10,1,,450,10090000,44.61,65170,' "$BATS_TEST_TMPDIR/summary.csv"
  grep -q '<svg' "$BATS_TEST_TMPDIR/charts/seed-comparison.svg"
  grep -q '^python-sync,44.610,100.000,65.170,' "$BATS_TEST_TMPDIR/charts/seed-comparison.csv"
}

@test "without --delay-ms, logs are summarised with no bound and no invented figures" {
  run "$SCRIPTS/summarize-logs.sh" "$SEED_RESULTS" --out "$BATS_TEST_TMPDIR" --quiet
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  grep -q '^| python-sync | 44.6 | .* | — | — | — | — | — |$' "$BATS_TEST_TMPDIR/summary.md"
}

@test "bounds follow the variant table: workers, connections, the offload pool's cap" {
  logs="$BATS_TEST_TMPDIR/logs"
  mkdir -p "$logs"
  cp "$FIXTURES/wrk/units-and-errors.txt" "$logs/async-blocking-offload.txt" # 1000 connections
  cp "$SEED_RESULTS/python-sync.txt" "$logs/sync-server.txt"                # 100 connections
  echo "not wrk" >"$logs/notes.txt"
  run "$SCRIPTS/summarize-logs.sh" "$logs" --delay-ms 10 --workers 4
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"skipping $logs/notes.txt: not wrk output"* ]]
  # The loads differ, so the table shows them.
  [[ $output == *"| Variant | Conns | Delay | Workers | Req/sec |"* ]]
  [[ $output == *"| sync-server | 100 | 10 ms | 4 | 44.6 |"*"| 400 | 11% |"* ]]
  # min(1000 connections, 512 blocking threads) / 10 ms
  [[ $output == *"| async-blocking-offload | 1000 | 10 ms | 4 | 1805 |"*"| 51200 | 4% |"* ]]
}

@test "an incomplete run with a failed variant: marked, shown, observations not checked" {
  run_dir="$BATS_TEST_TMPDIR/run"
  point "$run_dir/sync-server" variant=sync-server seq=1 status=ok family=rust kind=sync blocks=yes \
    bound_by=workers connections=100 delay_ms=10 workers=1
  mkdir -p "$run_dir/async-server"
  printf '%s\n' variant=async-server seq=2 run=1 status=failed family=rust kind=async connections=100 \
    delay_ms=10 workers=1 "failure=the server died during the measured run (exit: signal 9)" >"$run_dir/async-server/numbers.txt"
  echo "Interrupted by SIGINT at 12:00:00Z during async-server (run 1), after 1 of 3 points." >"$run_dir/INCOMPLETE"
  run "$REPORT" summarize "$run_dir"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"**INCOMPLETE RUN: Interrupted by SIGINT"* ]]
  [[ $output == *"| async-server | **FAILED** |"* ]]
  [[ $output == *"**async-server FAILED**: the server died during the measured run (exit: signal 9)"* ]]
  [[ $output == *"Not checked for the rust servers: the observations need a measured sync, async and async-blocking variant; this run measured sync-server (sync), but no async and no async-blocking variant."* ]]
  grep -q '^async-server,1,failed,' "$run_dir/summary.csv"
}

@test "a malformed numbers.txt: that point a failed row naming the file and line, the rest reported" {
  run_dir="$BATS_TEST_TMPDIR/run"
  point "$run_dir/sync-server" variant=sync-server seq=1 status=ok connections=100
  point "$run_dir/async-server" variant=async-server seq=2 status=ok connections=lots
  run "$REPORT" summarize "$run_dir"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"| sync-server | 7567 | 12.68 ms |"* ]]
  [[ $output == *"| async-server | **FAILED** |"* ]]
  [[ $output == *"**async-server FAILED**: numbers.txt:4: connections='lots' is not a whole number"* ]]
  grep -q '^async-server,1,failed,' "$run_dir/summary.csv"
}

@test "a measured point whose wrk.txt is not wrk output: a failed row saying so, not an empty one" {
  run_dir="$BATS_TEST_TMPDIR/run"
  point "$run_dir/async-server" variant=async-server seq=1 status=ok connections=100
  cp "$FIXTURES/wrk/not-wrk-output.txt" "$run_dir/async-server/wrk.txt"
  run "$REPORT" summarize "$run_dir"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"| async-server | **FAILED** |"* ]]
  [[ $output == *"**async-server FAILED**: wrk.txt: no wrk results in this file"* ]]
}

@test "the harness's wrk.txt without its JSON line: incomplete, a failed row, the rest reported" {
  run_dir="$BATS_TEST_TMPDIR/run"
  # As measure_point records it: the command that wrote wrk.txt runs wrk-report.lua.
  local command="wrk_command=wrk -t4 -c100 -d2s --latency -s $SCRIPTS/wrk-report.lua http://127.0.0.1:9001/"
  point "$run_dir/sync-server" variant=sync-server seq=1 status=ok connections=100 "$command"
  point "$run_dir/async-server" variant=async-server seq=2 status=ok connections=100 "$command"
  # Cut where wrk's text ends: every text figure is there, the JSON line is not.
  head -n 13 "$FIXTURES/wrk/async-server-with-json.txt" >"$run_dir/async-server/wrk.txt"
  grep -q '^Requests/sec:' "$run_dir/async-server/wrk.txt"
  run "$REPORT" summarize "$run_dir"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"| sync-server | 7567 | 12.68 ms |"* ]]
  [[ $output == *"| async-server | **FAILED** |"* ]]
  [[ $output == *"**async-server FAILED**: wrk.txt: wrk log incomplete: no JSON line of wrk-report.lua (wrk cut short, or the file truncated)"* ]]
  grep -q '^async-server,1,failed,' "$run_dir/summary.csv"
  # The same log from elsewhere (no wrk-report.lua in its command) is read from its text.
  point "$run_dir/async-server" variant=async-server seq=2 status=ok connections=100
  head -n 13 "$FIXTURES/wrk/async-server-with-json.txt" >"$run_dir/async-server/wrk.txt"
  run "$REPORT" summarize "$run_dir"
  [ "$status" -eq 0 ]
  [[ $output == *"| async-server | 7567 | 12.68 ms |"* ]]
}

@test "numbers_append: values of several lines and control characters keep one line each, read back" {
  load_lib
  run_dir="$BATS_TEST_TMPDIR/run"
  mkdir -p "$run_dir/url"
  numbers_append "$run_dir/url/numbers.txt" variant=url seq=1 connections=100 status=failed \
    "failure=GET / failed: curl: (7) no route"$'\n'"000 0.000416"$'\n' "note=a\\b"$'\t\x01'"c=d"
  [ "$(wc -l <"$run_dir/url/numbers.txt")" -eq 6 ]
  [ "$(value failure "$run_dir/url/numbers.txt")" = 'GET / failed: curl: (7) no route\n000 0.000416\n' ]
  [ "$(value note "$run_dir/url/numbers.txt")" = 'a\\b\t\x01c=d' ]
  run "$REPORT" summarize "$run_dir"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"| url | **FAILED** |"* ]]
  [[ $output == *"**url FAILED**: GET / failed: curl: (7) no route / 000 0.000416"$'\n'* ]]
  # A key that is not one cannot be written.
  run numbers_append "$run_dir/url/numbers.txt" "two words=1"
  [ "$status" -eq 1 ]
  [[ $output == *"'two words' is not a key"* ]]
}

@test "make summary re-summarises a run, and only when its points changed" {
  results="$BATS_TEST_TMPDIR/results"
  point "$results/r1/async-server" variant=async-server seq=1 status=ok family=rust kind=async \
    blocks=no bound_by=connections connections=100 delay_ms=10 workers=1
  run make -C "$REPO_ROOT" --no-print-directory summary RESULTS_DIR="$results" RUN="$results/r1"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"| async-server | 7567 | 12.68 ms |"* ]]
  [ -s "$results/r1/summary.csv" ]
  run make -C "$REPO_ROOT" --no-print-directory "$results/r1/summary.md" RESULTS_DIR="$results"
  [[ $output == *"is up to date"* ]]
}
