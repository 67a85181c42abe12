#!/usr/bin/env bats
# bench-report wrk: the harness's one reader of wrk's output (its progress lines, and the
# check that wrk printed results), on recorded outputs: the seed's, this harness's, odd ones.
# The parser's figures in every unit are unit-tested in bench-report/src/parse/wrk.rs.

load test_helper

@test "the seed's sync-server log: its figures on one line, errors counted" {
  run "$REPORT" wrk "$SEED_RESULTS/python-sync.txt"
  [ "$status" -eq 0 ]
  [ "$output" = "45 req/s, mean latency 65.17 ms, p99 —, 780 errors" ]
}

@test "the harness's own output: the JSON line's exact figures" {
  run "$REPORT" wrk "$FIXTURES/wrk/async-blocking-server-with-json.txt"
  [ "$status" -eq 0 ]
  [ "$output" = "97 req/s, mean latency 765.02 ms, p99 1.39 s" ]
}

@test "wrk's other units, every error line and timeouts" {
  run "$REPORT" wrk "$FIXTURES/wrk/units-and-errors.txt"
  [ "$status" -eq 0 ]
  [ "$output" = "1805 req/s, mean latency 1.02 s, p99 60.00 s, 22 errors, 456 timeouts" ]
}

@test "a file that is not wrk output is refused, naming it" {
  run "$REPORT" wrk "$FIXTURES/wrk/not-wrk-output.txt"
  [ "$status" -eq 1 ]
  [[ $output == *"not-wrk-output.txt: no wrk results in this file"* ]]
}

@test "a malformed line is refused, naming the file and the line" {
  printf 'Running 1s test @ http://x/\n  Latency   12.3xs   1.00ms   2.00ms   50%%\n' >"$BATS_TEST_TMPDIR/wrk.txt"
  run "$REPORT" wrk "$BATS_TEST_TMPDIR/wrk.txt"
  [ "$status" -eq 1 ]
  [[ $output == *"wrk.txt:2: '12.3xs' is not a duration"* ]]
}

@test "--json-line: the harness's log without wrk-report.lua's JSON line is incomplete, not zero" {
  head -n 13 "$FIXTURES/wrk/async-server-with-json.txt" >"$BATS_TEST_TMPDIR/wrk.txt"
  run "$REPORT" wrk --json-line "$BATS_TEST_TMPDIR/wrk.txt"
  [ "$status" -eq 1 ]
  [[ $output == *"wrk.txt: wrk log incomplete: no JSON line of wrk-report.lua"* ]]
  # A plain wrk log (from elsewhere) is read from its text; the whole log either way.
  run "$REPORT" wrk "$BATS_TEST_TMPDIR/wrk.txt"
  [ "$status" -eq 0 ]
  [[ $output == "7567 req/s, mean latency 12.68 ms, p99 17.59 ms" ]]
  run "$REPORT" wrk --json-line "$FIXTURES/wrk/async-server-with-json.txt"
  [ "$status" -eq 0 ]
  [[ $output == "7567 req/s, mean latency 12.68 ms, p99 17.59 ms" ]]
}
