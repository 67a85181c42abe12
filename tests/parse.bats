#!/usr/bin/env bats
# scripts/parse-wrk.awk on recorded wrk outputs: the seed's, this harness's, and odd ones.

load test_helper

@test "the seed's sync-server output: text only, errors counted, no percentiles" {
  parse "$SEED_RESULTS/python-sync.txt"
  p="$BATS_TEST_TMPDIR/parsed.txt"
  [ "$(value parsed_from "$p")" = text ]
  [ "$(value requests "$p")" = 450 ]
  [ "$(value req_per_sec "$p")" = 44.61 ]
  [ "$(value latency_mean_us "$p")" = 65170 ]
  [ "$(value latency_stdev_us "$p")" = 12880 ]
  [ "$(value latency_max_us "$p")" = 82060 ]
  [ "$(value duration_us "$p")" = 10090000 ]
  [ "$(value errors_read "$p")" = 771 ]
  [ "$(value errors_write "$p")" = 9 ]
  [ "$(value errors_timeout "$p")" = 0 ]
  [ "$(value latency_p50_us "$p")" = "" ]
  [ "$(value wrk_connections "$p")" = 100 ]
  [ "$(value wrk_threads "$p")" = 4 ]
}

@test "the seed's async outputs: k suffixes and seconds" {
  parse "$SEED_RESULTS/python-async.txt"
  [ "$(value req_per_sec "$BATS_TEST_TMPDIR/parsed.txt")" = 7685.20 ]
  [ "$(value latency_mean_us "$BATS_TEST_TMPDIR/parsed.txt")" = 12980 ]
  [ "$(value errors_read "$BATS_TEST_TMPDIR/parsed.txt")" = 0 ]
  parse "$SEED_RESULTS/python-async-blocking.txt"
  [ "$(value latency_mean_us "$BATS_TEST_TMPDIR/parsed.txt")" = 1160000 ]
  [ "$(value latency_max_us "$BATS_TEST_TMPDIR/parsed.txt")" = 1270000 ]
  [ "$(value requests "$BATS_TEST_TMPDIR/parsed.txt")" = 815 ]
}

@test "the harness's own output: the JSON line wins, with p99.9 and exact duration" {
  parse "$FIXTURES/wrk/async-blocking-server-with-json.txt"
  p="$BATS_TEST_TMPDIR/parsed.txt"
  [ "$(value parsed_from "$p")" = json ]
  [ "$(value requests "$p")" = 195 ]
  [ "$(value duration_us "$p")" = 2008886 ]
  [ "$(value req_per_sec "$p")" = 97.07 ]
  [ "$(value latency_mean_us "$p")" = 765021 ]
  [ "$(value latency_p50_us "$p")" = 767947 ]
  [ "$(value latency_p99_us "$p")" = 1393552 ]
  [ "$(value latency_p99_9_us "$p")" = 1393612 ]
  [ "$(value errors_status "$p")" = 0 ]
}

@test "wrk's other units (us, s, m), every error line and non-2xx answers" {
  parse "$FIXTURES/wrk/units-and-errors.txt"
  p="$BATS_TEST_TMPDIR/parsed.txt"
  [ "$(value latency_mean_us "$p")" = 1020000 ]
  [ "$(value latency_stdev_us "$p")" = 450100 ]
  [ "$(value latency_max_us "$p")" = 120000000 ]
  [ "$(value latency_p50_us "$p")" = 850 ]
  [ "$(value latency_p75_us "$p")" = 1500000 ]
  [ "$(value latency_p99_us "$p")" = 60000000 ]
  [ "$(value errors_connect "$p")" = 12 ]
  [ "$(value errors_read "$p")" = 3 ]
  [ "$(value errors_timeout "$p")" = 456 ]
  [ "$(value errors_status "$p")" = 7 ]
  [ "$(value req_per_sec "$p")" = 1804.68 ]
  [ "$(value wrk_connections "$p")" = 1000 ]
}

@test "a file that is not wrk output is refused" {
  run awk -f "$SCRIPTS/parse-wrk.awk" "$FIXTURES/wrk/not-wrk-output.txt"
  [ "$status" -eq 1 ]
  [[ $output == *"no wrk results"* ]]
}
