#!/usr/bin/env bats
# The harness end to end, with the real wrk and the real release binaries: one short run of
# the three servers, and the faults it must survive (a port taken, a server SIGKILLed
# mid-run, Ctrl-C, two runs at once, results/ not writable, a server that cannot start).
# Every test uses its own results folder and random free ports.

load test_helper

setup_file() {
  require_tools wrk curl
  require_binaries sync-server async-server async-blocking-server
}

setup() {
  RESULTS="$BATS_TEST_TMPDIR/results"
  BASE_PORT=$(free_base_port)
  SERVER_PID=""
}

teardown() {
  # Only the server this test started itself, by its PID.
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}

# stop_in_teardown PID: a server teardown stops by its PID if it is still running then.
stop_in_teardown() { SERVER_PID=$1; }

bench() {
  "$SCRIPTS/bench.sh" --results-dir "$RESULTS" --base-port "$BASE_PORT" "$@"
}

@test "a short real run of the three servers: files, table, observations, nothing left running" {
  run bench --duration 2s
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"[1/3] sync-server: wrk -t4 -c100 --timeout 10s -d2s --latency"* ]]
  [[ $output == *"[3/3] async-blocking-server: stopped with SIGTERM: exit 0"* ]]
  [[ $output == *"total time: "* ]]
  run_dir=$(readlink -f "$RESULTS/latest")
  [[ $(basename "$run_dir") =~ ^[0-9]{8}T[0-9]{6}Z$ ]]
  [ ! -e "$run_dir/INCOMPLETE" ]
  local variant
  for variant in sync-server async-server async-blocking-server; do
    grep -q '^{"wrk_report":1,' "$run_dir/$variant/wrk.txt"
    grep -q ' requests in ' "$run_dir/$variant/wrk.txt"
    [ "$(value status "$run_dir/$variant/numbers.txt")" = ok ]
    [ "$(value server_exit "$run_dir/$variant/numbers.txt")" = 0 ]
    [ "$(value check_status "$run_dir/$variant/numbers.txt")" = 200 ]
    [ -n "$(value server_cpu_s "$run_dir/$variant/numbers.txt")" ]
    # The primer: one connection alone, kept, and the effective bound the report gets from it.
    grep -q '^{"wrk_report":1,' "$run_dir/$variant/primer.txt"
    grep -q ' 1 threads and 1 connections' "$run_dir/$variant/primer.txt"
    [ -n "$(csv_value "$run_dir/summary.csv" "$variant" unloaded_latency_mean_us)" ]
    [ -n "$(csv_value "$run_dir/summary.csv" "$variant" effective_bound_req_per_sec)" ]
    dead "$(cat "$run_dir/$variant/server.pid")"
  done
  # The progress lines: each step, and the figures the report program read from wrk's output.
  [[ $output == *"[2/3] async-server: unloaded: "*" req/s, mean latency "* ]]
  [[ $output =~ \[2/3\]\ async-server:\ [0-9]+\ req/s,\ mean\ latency\ [0-9.]+\ ms,\ p99 ]]
  for key in run_id date threads connections duration delay_ms workers cpu_model cores kernel \
    rustc wrk_version git_commit git_dirty; do
    grep -q "^  \"$key\": " "$run_dir/meta.json"
  done
  # The table: one row per variant, and the seed's three observations with a verdict each.
  [ "$(grep -c '^| \(sync-server\|async-server\|async-blocking-server\) | [0-9]' "$run_dir/summary.md")" -eq 3 ]
  grep -q '^1\. .*\*\*Holds\*\*' "$run_dir/summary.md"
  grep -q '^2\. .*\*\*Holds\*\*' "$run_dir/summary.md"
  grep -q '^3\. .*\*\*\(Holds\|Does not hold: about the same\|Does not hold: lower\)\*\*' "$run_dir/summary.md"
  [ "$(wc -l <"$run_dir/summary.csv")" -eq 4 ]
  # Unloaded latency and the effective bound beside the nominal one.
  grep -q '^| Variant | Req/sec |.*| Bound (req/s) | Of bound | Unloaded latency (mean / p99) | Effective bound | Of effective |$' "$run_dir/summary.md"
  grep -q '^| async-server | [0-9].* | 10000 | [0-9.]*% | [0-9.]* ms / [0-9.]* ms | [0-9]* | [0-9.]*% |$' "$run_dir/summary.md"
  # The seed's comparison as a chart, beside its data, with its axes named.
  grep -q '^!\[The seed.s comparison.*\](charts/seed-comparison.svg)$' "$run_dir/summary.md"
  [ "$(grep -c '^[a-z]' "$run_dir/charts/seed-comparison.csv")" -eq 4 ]
  grep -q 'Throughput (requests/s, log scale)' "$run_dir/charts/seed-comparison.svg"
  grep -q 'Latency (ms, log scale)' "$run_dir/charts/seed-comparison.svg"
  grep -q 'wrk -t4 -c100 -d2s' "$run_dir/charts/seed-comparison.svg"
  # Little's law: one blocked thread at 10 ms serves at most 100 req/s; these came close.
  awk -F, '$1 ~ /^(sync-server|async-blocking-server)$/ { if ($14 < 50 || $14 > 110) exit 1 }' "$run_dir/summary.csv"
}

@test "async-timerfd: async-server --timer timerfd, run beside async-server, its own row" {
  run bench --variants "async-server async-timerfd" --duration 1s --warmup 0 --primer 1s
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"[2/2] async-timerfd: stopped with SIGTERM: exit 0"* ]]
  run_dir=$(readlink -f "$RESULTS/latest")
  numbers="$run_dir/async-timerfd/numbers.txt"
  [ "$(value status "$numbers")" = ok ]
  [ "$(value kind "$numbers")" = async-timerfd ]
  [[ $(value command "$numbers") == *"/async-server --timer timerfd --addr 127.0.0.1:$((BASE_PORT + 1)) "* ]]
  [ "$(value bound_by "$numbers")" = connections ]
  [ "$(csv_value "$run_dir/summary.csv" async-timerfd bound_req_per_sec)" = 10000.0 ]
  [ "$(value check_status "$numbers")" = 200 ]
  [ "$(value kind "$run_dir/async-server/numbers.txt")" = async ]
  grep -q '^| async-timerfd | [0-9]' "$run_dir/summary.md"
  grep -q '^| async-server | [0-9]' "$run_dir/summary.md"
  # Both timers in one run: the report splits the gap between them.
  grep -q "^## tokio's timer against a timerfd$" "$run_dir/summary.md"
  grep -q '^async-timerfd served [0-9]* req/s' "$run_dir/summary.md"
}

@test "a port already taken: that variant fails clearly, the others run, the squatter lives" {
  start_server async-server "$((BASE_PORT + 1))"
  run bench --variants "sync-server async-server" --duration 1s --warmup 0 --primer 0
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"port $((BASE_PORT + 1)) on 127.0.0.1 is already in use by a process this harness did not start"* ]]
  [[ $output == *"1 of 2 point(s) FAILED"* ]]
  [ "$(value status "$RESULTS/latest/sync-server/numbers.txt")" = ok ]
  [ "$(value status "$RESULTS/latest/async-server/numbers.txt")" = failed ]
  grep -q '^| async-server | \*\*FAILED\*\* |' "$RESULTS/latest/summary.md"
  alive "$SERVER_PID"
}

@test "a server SIGKILLed mid-run: reported failed, the next variant runs, nothing left behind" {
  set -m # the harness in its own process group, to count what it leaves behind
  bench --variants "sync-server async-server" --duration 3s --warmup 0 --primer 0 >"$BATS_TEST_TMPDIR/log" 2>&1 &
  local harness=$!
  wait_for_line "$RESULTS/latest/sync-server/numbers.txt" '^measure_started='
  sleep 0.5
  kill -KILL "$(cat "$RESULTS/latest/sync-server/server.pid")"
  local status=0
  wait "$harness" || status=$?
  cat "$BATS_TEST_TMPDIR/log"
  [ "$status" -eq 1 ]
  numbers="$RESULTS/latest/sync-server/numbers.txt"
  [ "$(value status "$numbers")" = failed ]
  [[ $(value failure "$numbers") == "the server died during the measured run (exit: signal 9)"* ]]
  [ "$(value status "$RESULTS/latest/async-server/numbers.txt")" = ok ]
  grep -q '^- \*\*sync-server FAILED\*\*: the server died during the measured run' "$RESULTS/latest/summary.md"
  grep -q '^| async-server | [0-9]' "$RESULTS/latest/summary.md"
  dead "$(cat "$RESULTS/latest/async-server/server.pid")"
  [ "$(group_members "$harness")" -eq 0 ]
}

@test "group_members counts a group from /proc, odd command names too, so the checks above can fail" {
  set -m # the job in its own process group
  # shellcheck disable=SC2016 # the inner shell's own text
  bash -c 'printf "a) (b c" >/proc/self/comm; sleep 30 & wait' &
  local leader=$! _attempt
  for _attempt in $(seq 100); do
    [[ $(group_members "$leader") == 2 ]] && break
    sleep 0.05
  done
  [ "$(cat "/proc/$leader/comm")" = "a) (b c" ]
  [ "$(group_members "$leader")" -eq 2 ]
  kill -TERM -- "-$leader" # the group this test started, by its id
  wait "$leader" || true
  for _attempt in $(seq 100); do
    [[ $(group_members "$leader") == 0 ]] && break
    sleep 0.05
  done
  [ "$(group_members "$leader")" -eq 0 ]
}

@test "Ctrl-C mid-run: servers stopped, the run kept and marked incomplete, earlier runs intact" {
  mkdir -p "$RESULTS/20000101T000000Z"
  echo "an earlier run" >"$RESULTS/20000101T000000Z/summary.md"
  set -m
  # SIGINT at its default, as under a terminal: a test suite started in the background of a
  # script (a CI runner, nohup) inherits it ignored, and no shell can trap a signal ignored
  # when it started.
  env --default-signal=INT "$SCRIPTS/bench.sh" --results-dir "$RESULTS" --base-port "$BASE_PORT" \
    --variants "sync-server async-server" --duration 3s --warmup 0 --primer 0 >"$BATS_TEST_TMPDIR/log" 2>&1 &
  local harness=$!
  wait_for_line "$RESULTS/latest/sync-server/numbers.txt" '^measure_started='
  sleep 0.5 # wrk is running by now, not being started
  kill -INT -- "-$harness" # what a terminal's Ctrl-C does: the whole foreground group
  local status=0
  wait "$harness" || status=$?
  cat "$BATS_TEST_TMPDIR/log"
  [ "$status" -eq 130 ]
  run_dir=$(readlink -f "$RESULTS/latest")
  grep -q '^Interrupted by SIGINT at .* during sync-server (run 1), after 0 of 2 points.$' "$run_dir/INCOMPLETE"
  grep -q '^\*\*INCOMPLETE RUN: Interrupted by SIGINT' "$run_dir/summary.md"
  grep -q '^| sync-server | \*\*INTERRUPTED\*\* |' "$run_dir/summary.md"
  dead "$(cat "$run_dir/sync-server/server.pid")"
  [ ! -e "$run_dir/async-server" ]
  [ "$(group_members "$harness")" -eq 0 ]
  [ "$(cat "$RESULTS/20000101T000000Z/summary.md")" = "an earlier run" ]
}

@test "a second Ctrl-C and a SIGTERM during the clean-up: it still stops every server and marks the run" {
  set -m
  # As the Ctrl-C test above; sync-server at 30 ms a request has 100 of them queued when the
  # first SIGINT comes, so stopping it (it answers what it holds, within its grace) takes
  # seconds: the second signals land while the harness is stopping it.
  env --default-signal=INT "$SCRIPTS/bench.sh" --results-dir "$RESULTS" --base-port "$BASE_PORT" \
    --variants "sync-server async-server" --duration 5s --delay-ms 30 --warmup 0 --primer 0 >"$BATS_TEST_TMPDIR/log" 2>&1 &
  local harness=$!
  wait_for_line "$RESULTS/latest/sync-server/numbers.txt" '^measure_started='
  sleep 0.5 # wrk is running by now, not being started
  local server_pid
  server_pid=$(cat "$RESULTS/latest/sync-server/server.pid")
  stop_in_teardown "$server_pid" # should the harness leave it running
  kill -INT -- "-$harness"
  wait_for_line "$BATS_TEST_TMPDIR/log" "stopping process $server_pid "
  alive "$server_pid" # still draining its queue: the clean-up is under way
  kill -INT "$harness"
  sleep 0.2
  kill -TERM "$harness" 2>/dev/null || true # (gone already, if the second SIGINT ended it)
  local status=0
  wait "$harness" || status=$?
  cat "$BATS_TEST_TMPDIR/log"
  [ "$status" -eq 130 ]
  run_dir=$(readlink -f "$RESULTS/latest")
  dead "$server_pid"
  [ "$(value server_pid "$run_dir/sync-server/numbers.txt")" = "$server_pid" ]
  grep -q '^Interrupted by SIGINT at .* during sync-server (run 1), after 0 of 2 points.$' "$run_dir/INCOMPLETE"
  grep -q '^\*\*INCOMPLETE RUN: Interrupted by SIGINT' "$run_dir/summary.md"
  [ "$(group_members "$harness")" -eq 0 ]
}

@test "two runs at once on one results folder: the second refuses, the first is untouched" {
  set -m
  bench --variants async-server --duration 2s --warmup 0 --primer 0 >"$BATS_TEST_TMPDIR/log" 2>&1 &
  local first=$!
  wait_for_line "$RESULTS/.lock" '^pid .*, run '
  local second_port
  second_port=$(free_base_port)
  run "$SCRIPTS/bench.sh" --results-dir "$RESULTS" --base-port "$second_port" --variants async-server --duration 2s --warmup 0
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output =~ "another harness run is using '$RESULTS' (pid "[0-9]+", run $RESULTS/20" ]]
  [[ $output != *"starting"* ]]
  local status=0
  wait "$first" || status=$?
  cat "$BATS_TEST_TMPDIR/log"
  [ "$status" -eq 0 ]
  [ "$(find "$RESULTS" -mindepth 1 -maxdepth 1 -type d | wc -l)" -eq 1 ]
  [ "$(value status "$RESULTS/latest/async-server/numbers.txt")" = ok ]
}

@test "a results folder that cannot be written: a clear error before any load" {
  touch "$BATS_TEST_TMPDIR/a-file"
  run "$SCRIPTS/bench.sh" --results-dir "$BATS_TEST_TMPDIR/a-file/results" --duration 1s
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"error: cannot create the results folder '$BATS_TEST_TMPDIR/a-file/results': nothing was run."* ]]
  [[ $output != *"starting"* ]]
}

@test "a read-only results folder: a clear error before any load" {
  mkdir -p "$RESULTS"
  if [[ $(id -u) -ne 0 ]]; then
    chmod 555 "$RESULTS"
    run bench --duration 1s
    chmod 755 "$RESULTS"
  elif unshare -m true 2>/dev/null; then
    # root writes through permissions: make the folder read-only in a private mount namespace
    # shellcheck disable=SC2016 # $1 and $@ are the inner shell's arguments
    run unshare -m bash -c 'mount --bind -o ro "$1" "$1" && shift && exec "$@"' _ "$RESULTS" \
      "$SCRIPTS/bench.sh" --results-dir "$RESULTS" --base-port "$BASE_PORT" --duration 1s
  else
    skip "root without unshare: the test above covers this path"
  fi
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"error: the results folder '$RESULTS' is not writable by $(id -un): nothing was run."* ]]
  [[ $output != *"starting"* ]]
}

@test "a server that ignores the delay fails the check of GET /, before any load" {
  fake="$BATS_TEST_TMPDIR/target/release"
  mkdir -p "$fake"
  ln -s "$REPORT" "$fake/bench-report"
  cat >"$fake/async-server" <<FAKE
#!/bin/sh
exec "$BIN_DIR/async-server" --addr "\$2" --delay-ms 0
FAKE
  chmod +x "$fake/async-server"
  CARGO_TARGET_DIR="$BATS_TEST_TMPDIR/target" run bench --variants async-server --duration 1s
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"less than the 10 ms delay: is the server running with --delay-ms 10?"* ]]
  [[ $output != *": warm-up: wrk"* ]]
  [ "$(value server_exit "$RESULTS/latest/async-server/numbers.txt")" = 0 ]
}

@test "RUNS=2: interleaved runs, one row each, observations on the means" {
  run bench --variants "sync-server async-server async-blocking-server" --runs 2 --duration 1s --warmup 0 --primer 0
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"[4/6] sync-server:"* ]]
  [ -d "$RESULTS/latest/async-server.run2" ]
  grep -q '^| async-server #2 | [0-9]' "$RESULTS/latest/summary.md"
  grep -q 'req/s (mean of 2 runs)' "$RESULTS/latest/summary.md"
  [ "$(wc -l <"$RESULTS/latest/summary.csv")" -eq 7 ]
}

@test "a server that cannot start: its own stderr is shown, the run goes on" {
  fake="$BATS_TEST_TMPDIR/target/release"
  mkdir -p "$fake"
  ln -s "$REPORT" "$fake/bench-report"
  cat >"$fake/sync-server" <<'FAKE'
#!/bin/sh
echo "cannot listen on $2: pretend failure" >&2
exit 3
FAKE
  chmod +x "$fake/sync-server"
  CARGO_TARGET_DIR="$BATS_TEST_TMPDIR/target" run bench --variants sync-server --duration 1s
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"| cannot listen on 127.0.0.1:$BASE_PORT: pretend failure"* ]]
  [[ $output == *"FAILED: the server exited before answering /health (exit: 3)"* ]]
}

@test "unknown variants and bad settings fail before anything starts" {
  run bench --variants "sync-server no-such-server"
  [ "$status" -eq 1 ]
  [[ $output == *"unknown variant 'no-such-server'"* ]]
  run bench --duration ten
  [ "$status" -eq 1 ]
  [[ $output == *"bad duration 'ten'"* ]]
  [ ! -e "$RESULTS/latest" ]
}

@test "bench-url to a port where nothing listens: a failed row with curl's reason, the summary written" {
  run "$SCRIPTS/bench.sh" --results-dir "$RESULTS" --url "http://127.0.0.1:1/" --duration 1s --warmup 0 --primer 0
  echo "$output"
  [ "$status" -eq 1 ]
  run_dir=$(readlink -f "$RESULTS/latest")
  numbers="$run_dir/url/numbers.txt"
  [ "$(value status "$numbers")" = failed ]
  [[ $(value failure "$numbers") == "GET http://127.0.0.1:1/ failed: curl: (7) "* ]]
  # Every line of numbers.txt is key=value: no value broke one.
  [ "$(grep -cv '^[A-Za-z0-9_]*=' "$numbers")" -eq 0 ]
  [ ! -e "$run_dir/INCOMPLETE" ]
  grep -q '^| url | \*\*FAILED\*\* |' "$run_dir/summary.md"
  grep -q '^- \*\*url FAILED\*\*: GET http://127.0.0.1:1/ failed: curl: (7) ' "$run_dir/summary.md"
  grep -q '^url,1,failed,' "$run_dir/summary.csv"
}

@test "bench-url measures a server it did not start, and leaves it running" {
  start_server async-server "$BASE_PORT"
  run "$SCRIPTS/bench.sh" --results-dir "$RESULTS" --url "http://127.0.0.1:$BASE_PORT/" \
    --label async-server --duration 1s --warmup 0
  echo "$output"
  [ "$status" -eq 0 ]
  numbers="$RESULTS/latest/async-server/numbers.txt"
  [ "$(value started_by_harness "$numbers")" = no ]
  [ "$(value status "$numbers")" = ok ]
  [ "$(csv_value "$RESULTS/latest/summary.csv" async-server bound_req_per_sec)" = 10000.0 ]
  # Named after a variant, a server it did not start still gets its effective bound.
  [ -n "$(csv_value "$RESULTS/latest/summary.csv" async-server effective_bound_req_per_sec)" ]
  alive "$SERVER_PID"
}

@test "every script's --help is its Usage block, without the shellcheck directive after it" {
  local script
  for script in bench sweep sweep-timer latency c10k; do
    run "$SCRIPTS/$script.sh" --help
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == Usage:* ]]
    [[ $output != *shellcheck* ]]
  done
}
