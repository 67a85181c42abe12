#!/usr/bin/env bats
# scripts/sweep-timer.sh end to end (its quick mode: tokio's timer and the timerfd at two
# slacks, 100 connections, 1 s each), the wake-ups async-server reports through GET /stats,
# and PLACEMENT: split pins the server and wrk to cores of their own, and is refused where
# there is only one core.

load test_helper

setup_file() {
  require_tools wrk curl
  require_binaries async-server bench-report
  TIMER_RESULTS="$BATS_FILE_TMPDIR/results"
  export TIMER_RESULTS
  "$SCRIPTS/sweep-timer.sh" --quick --results-dir "$TIMER_RESULTS" --base-port "$(free_base_port)" \
    >"$BATS_FILE_TMPDIR/summary.out" 2>"$BATS_FILE_TMPDIR/progress.log" ||
    echo "the quick timer sweep failed: $(tail -n 5 "$BATS_FILE_TMPDIR/progress.log")" >&3
}

@test "the quick timer sweep: tokio's timer and two slacks, each with the wake-ups the server counted" {
  run_dir=$(readlink -f "$TIMER_RESULTS/latest")
  [ ! -e "$run_dir/INCOMPLETE" ]
  grep -q '^  "kind": "timer-sweep",$' "$run_dir/meta.json"
  grep -q '^  "placement": "shared",$' "$run_dir/meta.json"
  [ "$(find "$run_dir" -mindepth 2 -maxdepth 2 -name numbers.txt | wc -l)" -eq 3 ]
  tokio="$run_dir/async-server.c100/numbers.txt"
  [ "$(value status "$tokio")" = ok ]
  [ "$(value timer "$tokio")" = tokio ]
  [ -z "$(value timer_wakeups "$tokio")" ]
  (($(value loop_wakeups_per_s "$tokio") > 0))
  for slack in 0 250; do
    numbers="$run_dir/async-timerfd.s$slack.c100/numbers.txt"
    [ "$(value status "$numbers")" = ok ]
    [ "$(value timer "$numbers")" = timerfd ]
    [ "$(value slack_us "$numbers")" = "$slack" ]
    [ "$(value timer_slack_us "$numbers")" = "$slack" ]
    [ "$(value server_args "$numbers")" = "--timer-slack ${slack}us" ]
    # Thousands of waits in the measured second: the timerfd expired many times.
    (($(value timer_wakeups "$numbers") > 10))
    (($(value timer_wakeups_per_s "$numbers") > 0))
    (($(value loop_wakeups "$numbers") >= $(value timer_wakeups "$numbers")))
    dead "$(cat "$run_dir/async-timerfd.s$slack.c100/server.pid")"
  done
}

@test "the timer sweep's report: a row per timer, the targets, and its chart beside its data" {
  summary="$TIMER_RESULTS/latest/summary.md"
  grep -q '^### 100 connections (bound 10,000 req/s)$' "$summary"
  grep -q '^| tokio (async-server) | [0-9,]* | [0-9.]*% | [0-9.]* ms | [0-9.]* µs | [0-9,]* | — | ' "$summary"
  grep -q '^| timerfd, slack 0 µs | [0-9,]* | [0-9.]*% | [0-9.]* ms | [0-9.]* µs | [0-9,]* | [0-9,]* | ' "$summary"
  grep -q '^| timerfd, slack 250 µs | ' "$summary"
  grep -q '^| 250 µs | [0-9.]*% | — | [0-9.]* µs | \(yes\|no\) |$' "$summary"
  grep -q '^!\[Throughput and CPU per request against the timerfd.s slack' "$summary"
  chart="$TIMER_RESULTS/latest/charts/timer-slack"
  grep -q '<svg' "$chart.svg"
  grep -q 'Timerfd slack (µs)' "$chart.svg"
  grep -q 'Server CPU per request (µs)' "$chart.svg"
  [ "$(head -n 1 "$chart.csv")" = connections,timer,slack_us,req_per_sec,of_bound,unloaded_us,cpu_per_request_us,loop_wakeups_per_s,timer_wakeups_per_s ]
  [ "$(wc -l <"$chart.csv")" -eq 4 ]
}

@test "the default plan: tokio and six slacks at 100 and 1,000 connections" {
  run "$SCRIPTS/sweep-timer.sh" --dry-run
  [ "$status" -eq 0 ]
  [[ ${lines[0]} == ' 1. async-server '*'c=100 '* ]]
  [[ ${lines[6]} == ' 7. async-timerfd  slack 1000 µs c=100 '* ]]
  [[ ${lines[-1]} == '14 points, estimated '* ]]
  run "$SCRIPTS/sweep-timer.sh" --slacks "50 2000000" --dry-run
  [ "$status" -eq 1 ]
  [[ $output == *"slack 2000000 µs is more than async-server's widest, 1 s"* ]]
}

# The cores a process may run on, from /proc.
cpus_of() { awk '/^Cpus_allowed_list:/ { print $2 }' "/proc/$1/status"; }

# wrk_child PID: the wrk process that PID started, if one runs.
wrk_child() {
  local stat_file stat fields
  for stat_file in /proc/[0-9]*/stat; do
    { read -r stat <"$stat_file"; } 2>/dev/null || continue
    [[ $stat == *" (wrk) "* ]] || continue
    read -ra fields <<<"${stat##*) }"
    if [[ ${fields[1]} == "$1" ]]; then
      stat_file=${stat_file#/proc/}
      echo "${stat_file%/stat}"
      return 0
    fi
  done
  return 1
}

@test "PLACEMENT=split runs the server and wrk on cores of their own" {
  (($(nproc) >= 2)) || skip "one core: split is refused (the next test)"
  local out="$BATS_TEST_TMPDIR/point" pid server wrk_pid="" _attempt
  env PLACEMENT=split "$SCRIPTS/measure-point.sh" --out "$out" --variant async-timerfd \
    --port "$(free_base_port)" --connections 10 --duration 3s --warmup 0 --primer 0 \
    2>"$BATS_TEST_TMPDIR/progress.log" &
  pid=$!
  for _attempt in $(seq 200); do
    wrk_pid=$(wrk_child "$pid") && break
    sleep 0.05
  done
  [ -n "$wrk_pid" ]
  server=$(cat "$out/server.pid")
  server_cpus=$(cpus_of "$server")
  wrk_cpus=$(cpus_of "$wrk_pid")
  wait "$pid"
  [ -n "$server_cpus" ] && [ -n "$wrk_cpus" ]
  [ "$server_cpus" != "$wrk_cpus" ]
  # On 2 cores: wrk on the first, the server on the other.
  if [ "$(cpus_of self)" = 0-1 ]; then
    [ "$wrk_cpus" = 0 ]
    [ "$server_cpus" = 1 ]
  fi
  [ "$(value status "$out/numbers.txt")" = ok ]
  dead "$server"
}

@test "PLACEMENT=split on one core is refused before anything runs, and so is an unknown placement" {
  require_tools taskset
  run env PLACEMENT=split taskset -c 0 "$SCRIPTS/sweep-timer.sh" --quick --results-dir "$BATS_TEST_TMPDIR/r"
  [ "$status" -eq 1 ]
  [[ $output == *"PLACEMENT=split gives the servers and the load generator cores of their own, but this process may use only core 0 (Cpus_allowed_list)"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/r/latest" ]
  run env PLACEMENT=apart "$SCRIPTS/sweep-timer.sh" --quick --results-dir "$BATS_TEST_TMPDIR/r"
  [ "$status" -eq 1 ]
  [[ $output == *"unknown PLACEMENT 'apart': shared (servers and load generator on the same cores) or split (each on cores of its own)"* ]]
}
