#!/usr/bin/env bats
# The seed's Python servers as variants of the harness, beside the Rust ones: one short real
# run of all six, which must pass the same readiness and correctness checks, and give the
# side-by-side table with the seed's own figures in a column of their own.

load test_helper

setup_file() {
  require_tools wrk curl
  "$REPO_ROOT/baselines/python/setup.sh" >&3 2>&1
}

setup() {
  RESULTS="$BATS_TEST_TMPDIR/results"
  BASE_PORT=$(free_base_port)
}

@test "six variants in one run: Python passes the Rust checks, and the side-by-side table" {
  local six="sync-server async-server async-blocking-server python-sync python-async python-async-blocking"
  run "$SCRIPTS/bench.sh" --results-dir "$RESULTS" --base-port "$BASE_PORT" --duration 1s \
    --warmup 0 --variants "$six"
  echo "$output"
  [ "$status" -eq 0 ]
  run_dir=$(readlink -f "$RESULTS/latest")
  local variant
  for variant in $six; do
    [ "$(value status "$run_dir/$variant/numbers.txt")" = ok ]
    [ "$(value check_status "$run_dir/$variant/numbers.txt")" = 200 ]
    [ "$(value server_exit "$run_dir/$variant/numbers.txt")" = 0 ]
    dead "$(cat "$run_dir/$variant/server.pid")"
  done
  [ "$(value family "$run_dir/python-async/numbers.txt")" = python ]
  summary="$run_dir/summary.md"
  grep -q '^## Rust and Python, side by side' "$summary"
  # One row per architecture, each naming both servers and the seed's figures.
  grep -q '^| sync | sync-server: .* | python-sync: .* | 44.6 req/s, 65.2 ms avg, 82.1 ms max |$' "$summary"
  grep -q '^| async | async-server: .* | python-async: .* | 7685 req/s, 13.0 ms avg, 17.7 ms max |$' "$summary"
  grep -q '^| async-blocking | async-blocking-server: .* | python-async-blocking: .* | 80.8 req/s, 1.16 s avg, 1.27 s max |$' "$summary"
  grep -q "the seed's machine" "$summary"
  # The seed's observations, checked once per language.
  grep -q '^### rust: ' "$summary"
  grep -q '^### python: ' "$summary"
  [ "$(grep -c '^1\. \*Clients can make significantly more requests' "$summary")" -eq 2 ]
}
