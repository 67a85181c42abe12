#!/usr/bin/env bats
# The real downstream call in the harness (DOWNSTREAM=http|both): the real wrk, the real
# release binaries, a real downstream process (async-server --timer timerfd) started and
# stopped beside each server. Every test uses its own results folder and random free ports.

load test_helper

setup_file() {
  require_tools wrk curl
  require_binaries sync-server async-server async-blocking-server
}

setup() {
  RESULTS="$BATS_TEST_TMPDIR/results"
  BASE_PORT=$(free_base_port)
}

bench() {
  "$SCRIPTS/bench.sh" --results-dir "$RESULTS" --base-port "$BASE_PORT" "$@"
}

@test "DOWNSTREAM=both: each variant sleeps and calls a real downstream, side by side, nothing left running" {
  run bench --variants "sync-server async-server" --downstream both --duration 1s --warmup 0 --primer 1s
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"[2/4] sync-server+http: starting the downstream: "*"async-server --timer timerfd --addr 127.0.0.1:$((BASE_PORT + 100)) --delay-ms 10 --workers 1"* ]]
  [[ $output == *"[4/4] async-server+http: the downstream alone: "*" req/s, mean latency "* ]]
  run_dir=$(readlink -f "$RESULTS/latest")
  grep -q '^  "downstream": "both",$' "$run_dir/meta.json"
  local name numbers
  for name in sync-server async-server; do
    numbers="$run_dir/$name/numbers.txt"
    [ "$(value downstream "$numbers")" = sleep ]
    [ ! -e "$run_dir/$name/downstream.log" ]
    numbers="$run_dir/$name+http/numbers.txt"
    [ "$(value status "$numbers")" = ok ]
    [ "$(value variant "$numbers")" = "$name+http" ]
    [ "$(value downstream "$numbers")" = http ]
    [ "$(value downstream_url "$numbers")" = "http://127.0.0.1:$((BASE_PORT + 100))/" ]
    [[ $(value command "$numbers") == *" --downstream http://127.0.0.1:$((BASE_PORT + 100))/ --downstream-pool 1024 --downstream-keep-alive-secs 15" ]]
    [ -n "$(value downstream_cpu_s "$numbers")" ]
    [ "$(value downstream_exit "$numbers")" = 0 ]
    [ "$(value server_exit "$numbers")" = 0 ]
    grep -q ' 1 threads and 1 connections' "$run_dir/$name+http/downstream-primer.txt"
    # The downstream served the calls: its answer came through (the body the check read).
    [ "$(cat "$run_dir/$name+http/check-body.txt")" = "Hello, World!" ]
    dead "$(value downstream_pid "$numbers")"
    dead "$(cat "$run_dir/$name+http/server.pid")"
  done
  # The report: both ways side by side, a verdict per variant (its wording is pinned by the
  # report's own tests, bench-report/tests/reference.rs: here, only that each is there).
  grep -q '^## The simulated wait beside a real call$' "$run_dir/summary.md"
  grep -q '^| sync-server | sleep | [0-9]' "$run_dir/summary.md"
  grep -q '^| sync-server+http | real call | [0-9]' "$run_dir/summary.md"
  grep -q '^| async-server+http | real call | [0-9]' "$run_dir/summary.md"
  grep -q '^- \*\*sync-server\*\*: the real call served ' "$run_dir/summary.md"
  grep -q '^- \*\*async-server\*\*: the real call served ' "$run_dir/summary.md"
}

@test "a downstream that dies mid-run: the point fails naming it, the server is stopped, the run goes on" {
  set -m # the harness in its own process group, to count what it leaves behind
  bench --variants "async-server" --downstream both --duration 3s --warmup 0 --primer 0 >"$BATS_TEST_TMPDIR/log" 2>&1 &
  local harness=$!
  wait_for_line "$RESULTS/latest/async-server+http/numbers.txt" '^measure_started='
  sleep 0.5
  kill -KILL "$(value downstream_pid "$RESULTS/latest/async-server+http/numbers.txt")"
  local status=0
  wait "$harness" || status=$?
  cat "$BATS_TEST_TMPDIR/log"
  [ "$status" -eq 1 ]
  numbers="$RESULTS/latest/async-server+http/numbers.txt"
  [ "$(value status "$numbers")" = failed ]
  [[ $(value failure "$numbers") == "the downstream died during the measured run (exit: signal 9)"* ]]
  [ "$(value server_exit "$numbers")" = 0 ]
  [ "$(value status "$RESULTS/latest/async-server/numbers.txt")" = ok ]
  grep -q '^- \*\*async-server+http FAILED\*\*: the downstream died during the measured run' "$RESULTS/latest/summary.md"
  [ "$(group_members "$harness")" -eq 0 ]
}

@test "a real call the harness cannot make fails before anything starts" {
  run bench --variants "sync-server python-sync" --downstream http
  [ "$status" -eq 1 ]
  [[ $output == *"python-sync makes no real downstream call (the Python baselines only sleep)"* ]]
  run bench --downstream maybe
  [ "$status" -eq 1 ]
  [[ $output == *"unknown downstream 'maybe': sleep (the simulated wait, the seed's), http (a real call) or both"* ]]
  run bench --url "http://127.0.0.1:$BASE_PORT/" --downstream http
  [ "$status" -eq 1 ]
  [[ $output == *"--url measures a server as it runs: it starts no downstream"* ]]
  [ ! -e "$RESULTS/latest" ]
}

@test "a sweep with --downstream both: each variant's +http twin along the connections, side by side, nothing left running" {
  run "$SCRIPTS/sweep.sh" --results-dir "$RESULTS" --base-port "$BASE_PORT" --variants "sync-server" \
    --downstream both --connections-list "1 10" --delays "" --workers-list "" --duration 1s --warmup 0 --primer 1s
  echo "$output"
  [ "$status" -eq 0 ]
  run_dir=$(readlink -f "$RESULTS/latest")
  grep -q '^  "downstream": "both",$' "$run_dir/meta.json"
  local point numbers
  for point in sync-server+http.c1.d10.w1 sync-server+http.c10.d10.w1; do
    numbers="$run_dir/$point/numbers.txt"
    [ "$(value status "$numbers")" = ok ]
    [ "$(value downstream "$numbers")" = http ]
    [ "$(value downstream_url "$numbers")" = "http://127.0.0.1:$((BASE_PORT + 100))/" ]
    [ "$(cat "$run_dir/$point/check-body.txt")" = "Hello, World!" ]
    dead "$(value downstream_pid "$numbers")"
    dead "$(cat "$run_dir/$point/server.pid")"
  done
  [ "$(value downstream "$run_dir/sync-server.c10.d10.w1/numbers.txt")" = sleep ]
  grep -q '^## The simulated wait beside a real call (connections, at 10 ms)$' "$run_dir/summary.md"
  grep -q '^| 10 | [0-9.]* | [0-9.]* | [0-9.]*% | ' "$run_dir/summary.md"
  grep -q '^sync-server+http \(parts\|stays\)' "$run_dir/summary.md"
  grep -q '^,sync-server+http,measured,10,[0-9]' "$run_dir/charts/throughput-vs-connections.csv"
  run "$SCRIPTS/sweep.sh" --results-dir "$RESULTS" --downstream http --dry-run
  [ "$status" -eq 1 ]
  [[ $output == *"unknown downstream 'http': sleep (the simulated wait) or both"* ]]
}

@test "latency with NAME+http: the open-loop point calls a real downstream, started and stopped with it" {
  "$SCRIPTS/ensure-oha.sh" >/dev/null || skip "oha is missing: run scripts/ensure-oha.sh"
  run "$SCRIPTS/latency.sh" --results-dir "$RESULTS" --base-port "$BASE_PORT" \
    --variants "async-server+http" --fractions "0.5" --duration 1s
  echo "$output"
  [ "$status" -eq 0 ]
  run_dir=$(readlink -f "$RESULTS/latest")
  local numbers
  numbers=$(find "$run_dir" -mindepth 2 -maxdepth 2 -name numbers.txt)
  [ "$(value status "$numbers")" = ok ]
  [ "$(value downstream "$numbers")" = http ]
  [ "$(value downstream_url "$numbers")" = "http://127.0.0.1:$((BASE_PORT + 100))/" ]
  dead "$(value downstream_pid "$numbers")"
  grep -q '^| async-server+http | full | 5,000 | 50% |' "$run_dir/summary.md"
}
