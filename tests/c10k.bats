#!/usr/bin/env bats
# shellcheck source-path=SCRIPTDIR
# scripts/c10k.sh and scripts/limits.sh: the quick C10k run of CI (sync-server and
# async-server at 2,000 connections for 1 s, shared by the first tests), then the limit checks
# against fake machines (the MACHINE_* figures, or a fake /proc tree), and a real run whose
# hard limit on open files is too low for one of its points.

load test_helper

setup_file() {
  require_binaries sync-server async-server bench-report
  C10K_RESULTS="$BATS_FILE_TMPDIR/results"
  export C10K_RESULTS
  "$SCRIPTS/c10k.sh" --quick --results-dir "$C10K_RESULTS" --base-port "$(free_base_port)" \
    >"$BATS_FILE_TMPDIR/summary.out" 2>"$BATS_FILE_TMPDIR/progress.log" ||
    echo "the quick C10k run failed: $(tail -n 5 "$BATS_FILE_TMPDIR/progress.log")" >&3
}

# load_limits: the functions under test, sourced into the test's shell.
load_limits() {
  # shellcheck source=../scripts/lib.sh
  source "$SCRIPTS/lib.sh"
  # shellcheck source=../scripts/limits.sh
  source "$SCRIPTS/limits.sh"
}

# fake_machine: a machine with room for everything the tests ask (each test then shrinks
# the one limit it is about).
# shellcheck disable=SC2034 # read by limits.sh's checks
fake_machine() {
  MACHINE_NOFILE=20000 MACHINE_NOFILE_HARD=20000 MACHINE_NPROC=96365 MACHINE_PID_MAX=32768
  MACHINE_THREADS_MAX=192730 MACHINE_TASKS=200 MACHINE_FILE_MAX=2466186 MACHINE_FILES_OPEN=1000
  MACHINE_MEM_AVAILABLE_KB=20000000 MACHINE_SOMAXCONN=4096 MACHINE_PORT_LOW=32768 MACHINE_PORT_HIGH=60999
}

# fake_proc DIR: a /proc tree with the files read_machine_limits reads.
fake_proc() {
  mkdir -p "$1/sys/kernel" "$1/sys/fs" "$1/sys/net/core" "$1/sys/net/ipv4"
  echo 2500 >"$1/sys/kernel/pid_max"
  echo 8000 >"$1/sys/kernel/threads-max"
  echo 100000 >"$1/sys/fs/file-max"
  printf '1200\t0\t100000\n' >"$1/sys/fs/file-nr"
  echo 128 >"$1/sys/net/core/somaxconn"
  printf '40000\t40999\n' >"$1/sys/net/ipv4/ip_local_port_range"
  echo '0.50 0.40 0.30 2/321 4567' >"$1/loadavg"
  printf 'MemTotal:       24000000 kB\nMemFree:        1000 kB\nMemAvailable:    900000 kB\n' >"$1/meminfo"
}

@test "quick mode: two variants at 2,000 connections, each figure sampled during the load" {
  run_dir=$(readlink -f "$C10K_RESULTS/latest")
  [ ! -e "$run_dir/INCOMPLETE" ]
  grep -q '^  "kind": "c10k",$' "$run_dir/meta.json"
  grep -q '^  "somaxconn": [0-9]*,$' "$run_dir/meta.json"
  for point in sync-server.c2000 async-server.c2000; do
    numbers="$run_dir/$point/numbers.txt"
    [ "$(value status "$numbers")" = ok ]
    [ "$(value connections "$numbers")" = 2000 ]
    grep -q '^{"wrk_report":1,' "$run_dir/$point/wrk.txt"
    # The server's descriptors were counted while the load ran: it held connections (all 2,000
    # where it was seen holding them all, and then it says when), never more than 2,000.
    held=$(value connections_held_max "$numbers")
    [ "$held" -ge 1 ] && [ "$held" -le 2000 ]
    [ "$(value server_fds_max "$numbers")" -ge $(($(value server_idle_fds "$numbers") + held)) ]
    if [ "$held" -eq 2000 ]; then
      [[ $(value open_ms "$numbers") =~ ^[0-9]+\.[0-9]$ ]]
    else
      [ -z "$(value open_ms "$numbers")" ]
    fi
    [ "$(value fd_samples "$numbers")" -ge 1 ]
    [ -n "$(value server_cpu_s "$numbers")" ]
    [ "$(value server_peak_rss_kb "$numbers")" -gt "$(value server_idle_hwm_kb "$numbers")" ]
    dead "$(cat "$run_dir/$point/server.pid")"
  done
  # A thread and two descriptors per connection held, against one thread in all and one
  # descriptor per connection.
  sync="$run_dir/sync-server.c2000/numbers.txt" async="$run_dir/async-server.c2000/numbers.txt"
  [ "$(value server_threads_max "$sync")" -gt "$(value connections_held_max "$sync")" ]
  [ "$(value server_fds_max "$sync")" -ge $((2 * $(value connections_held_max "$sync"))) ]
  [ "$(value server_threads_max "$async")" -eq 1 ]
  [ "$(value server_fds_max "$async")" -lt 2100 ]
  [ "$(value fds_per_connection "$sync")" = 2 ]
  [ "$(value threads_per_connection "$sync")" = 1 ]
}

@test "quick mode: limits raised and said, the plan, progress with the time left" {
  log="$BATS_FILE_TMPDIR/progress.log"
  grep -q '^limit: open files (ulimit -n): ' "$log"
  grep -q '^limit: processes and threads (ulimit -u): ' "$log"
  grep -q '^machine: open files [0-9]* (hard [0-9]*); .* somaxconn [0-9]*; local ports [0-9]*-[0-9]*$' "$log"
  grep -q '^plan:  1\. sync-server  *c=2000  files: server 4064, wrk 2064; tasks 2021; ' "$log"
  grep -q '^\[1/2, 0m00s elapsed, ~0m[0-9][0-9]s left\] sync-server c=2000: ' "$log"
  grep -q '^\[2/2, 0m[0-9][0-9]s elapsed, ~0m[0-9][0-9]s left\] async-server c=2000: the server \(held all 2000 connections [0-9.]* ms after wrk started\|was never seen holding all 2000 connections at once (at most [0-9]*)\)$' "$log"
  grep -q '^total time: 0m[0-9][0-9]s for 2 points (estimated 0m[0-9][0-9]s)$' "$log"
}

@test "quick mode: the report says what a connection costs, with every point and its CSV" {
  md="$C10K_RESULTS/latest/summary.md"
  cmp -s "$md" "$BATS_FILE_TMPDIR/summary.out"
  grep -q '^## What a connection costs$' "$md"
  # One point per variant: no slope; a break only where the server was not seen holding all.
  grep -q '^| sync-server | — | — | — | — | 2 descriptors, 1 thread | — | \(does not break\|2,000: held at most [0-9,]* at once\) |$' "$md"
  grep -q '^| async-server | — | — | — | — | 1 descriptor, 0 threads | — | \(does not break\|2,000: held at most [0-9,]* at once\) |$' "$md"
  grep -q '^| sync-server | 2,000 | ok\(, not all open\)\? | [0-9.]* | ' "$md"
  grep -q '^| async-server | 2,000 | ok\(, not all open\)\? | [0-9.]* | ' "$md"
  grep -q '^## This machine.s limits$' "$md"
  csv="$C10K_RESULTS/latest/c10k.csv"
  [ "$(wc -l <"$csv")" -eq 3 ]
  grep -q '^sync-server,2000,ok,' "$csv"
  for chart in memory-vs-connections threads-vs-connections throughput-vs-connections latency-vs-connections; do
    [ -s "$C10K_RESULTS/latest/charts/$chart.csv" ]
  done
  [ "$(grep -c '^peak RSS MiB,\(sync\|async\)-server,measured,2000,' "$C10K_RESULTS/latest/charts/memory-vs-connections.csv")" -eq 2 ]
}

@test "limit checks: each limit of a fake machine stops the point that exceeds it" {
  load_limits
  # variant connections limit-to-shrink=value expected-limit needed allowed
  local cases=(
    "async-server 10000 - - - -"
    "sync-server 5000 - - - -"
    "sync-server 10000 - server_open_files 20064 20000"
    "async-server 10000 MACHINE_NOFILE=10000 server_open_files 10064 10000"
    "async-server 5000 MACHINE_FILE_MAX=12000 system_open_files 11128 9600"
    "sync-server 5000 MACHINE_PID_MAX=6000 pid_max 5221 4800"
    "sync-server 5000 MACHINE_THREADS_MAX=6000 threads_max 5221 4800"
    "sync-server 5000 MACHINE_NPROC=5000 user_processes 5221 5000"
    "async-blocking-offload 10000 MACHINE_NPROC=800 - - -"
    "async-blocking-offload 10000 MACHINE_NPROC=600 user_processes 733 600"
    "async-server 10000 MACHINE_MEM_AVAILABLE_KB=1000000 memory 689 488"
    "async-server 2000 MACHINE_PORT_LOW=60000 local_ports 2000 1000"
  )
  local case variant connections shrink expected needed allowed
  for case in "${cases[@]}"; do
    read -r variant connections shrink expected needed allowed <<<"$case"
    fake_machine
    [[ $shrink == - ]] || declare -g "$shrink"
    if [[ $expected == - ]]; then
      check_point_limits "$variant" "$connections" 4 || {
        echo "$case: skipped for $LIMIT_NAME: $LIMIT_TEXT"
        return 1
      }
    else
      ! check_point_limits "$variant" "$connections" 4 || {
        echo "$case: not skipped"
        return 1
      }
      [ "$LIMIT_NAME" = "$expected" ] || { echo "$case: $LIMIT_NAME"; return 1; }
      [ "$LIMIT_NEEDED" = "$needed" ] || { echo "$case: needed $LIMIT_NEEDED"; return 1; }
      [ "$LIMIT_ALLOWED" = "$allowed" ] || { echo "$case: allowed $LIMIT_ALLOWED"; return 1; }
      [[ $LIMIT_TEXT == *"$needed"* ]] || { echo "$case: $LIMIT_TEXT"; return 1; }
    fi
  done
}

@test "limit checks: the needs follow the variant's declared cost, and an unknown one is assumed the costliest" {
  load_limits
  fake_machine
  point_needs sync-server 1000 4
  [ "$NEED_SERVER_FILES" -eq 2064 ] && [ "$NEED_WRK_FILES" -eq 1064 ] && [ "$NEED_TASKS" -eq 1021 ]
  [ "$NEED_PORTS" -eq 1000 ] && [ "$NEED_BACKLOG" -eq 4096 ] && [ -z "$NEED_ASSUMED" ]
  point_needs async-blocking-offload 1000 4
  [ "$NEED_TASKS" -eq $((16 + 512 + 5)) ]
  point_needs python-sync 1000 4
  [ "$NEED_BACKLOG" -eq 5 ]
  MACHINE_SOMAXCONN=128 point_needs async-server 1000 4
  [ "$NEED_BACKLOG" -eq 128 ]
  point_needs no-such-variant 1000 4
  [ "$NEED_SERVER_FILES" -eq 2064 ] && [ "$NEED_TASKS" -eq 1021 ]
  [[ $NEED_ASSUMED == "no-such-variant has no row in variants.table: "* ]]
}

@test "limit checks: the machine's figures are read from /proc (here a fake one)" {
  load_limits
  fake_proc "$BATS_TEST_TMPDIR/proc"
  LIMITS_PROC="$BATS_TEST_TMPDIR/proc" read_machine_limits
  [ "$MACHINE_PID_MAX" = 2500 ] && [ "$MACHINE_THREADS_MAX" = 8000 ] && [ "$MACHINE_TASKS" = 321 ]
  [ "$MACHINE_FILE_MAX" = 100000 ] && [ "$MACHINE_FILES_OPEN" = 1200 ] && [ "$MACHINE_SOMAXCONN" = 128 ]
  [ "$MACHINE_PORT_LOW" = 40000 ] && [ "$MACHINE_PORT_HIGH" = 40999 ] && [ "$MACHINE_MEM_AVAILABLE_KB" = 900000 ]
  [ "$MACHINE_NOFILE" = "$(ulimit -Sn)" ]
  run raise_soft_limits
  [ "$status" -eq 0 ]
  [[ $output == *"limit: open files (ulimit -n): "* ]]
}

@test "the soft limits are raised to the hard ones, and the log says so" {
  run bash -c 'ulimit -Sn 512 && ulimit -Hn 3000 && source "$0/lib.sh" && source "$0/limits.sh" && raise_soft_limits && ulimit -Sn' "$SCRIPTS"
  [ "$status" -eq 0 ]
  [[ $output == *"limit: raised the soft limit on open files (ulimit -n) from 512 to 3000 (the hard limit)"* ]]
  [ "${lines[-1]}" = 3000 ]
}

@test "the plan on a small machine: points skipped before any load, with the limit and the figure" {
  fake_proc "$BATS_TEST_TMPDIR/proc"
  run env LIMITS_PROC="$BATS_TEST_TMPDIR/proc" "$SCRIPTS/c10k.sh" --dry-run --connections-list "500 2000" \
    --variants "sync-server async-server"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output =~ \ 1\.\ sync-server\ +c=500\ +files:\ server\ 1064,\ wrk\ 564\;\ tasks\ 521\; ]]
  # sync-server's 2,000 threads do not fit under 80% of this pid_max (2,000) with 321 tasks
  # running; async-server's 2,000 connections do not fit in its 1,000 local ports.
  [[ $output =~ \ 3\.\ sync-server\ +c=2000\ +SKIP\ \(pid_max\):\ the\ machine\ would\ run\ 2342\ tasks ]]
  [[ $output =~ \ 4\.\ async-server\ +c=2000\ +SKIP\ \(local_ports\):\ wrk\ needs\ 2000\ local\ ports ]]
  [[ ${lines[-1]} =~ ^4\ points,\ estimated\ 0m[0-9]+s ]]
}

@test "a point the machine cannot hold is skipped and reported; the others run" {
  run bash -c 'ulimit -Sn 1024 && ulimit -Hn 3000 && exec "$0" "$@"' "$SCRIPTS/c10k.sh" --quick \
    --results-dir "$BATS_TEST_TMPDIR/results" --base-port "$(free_base_port)"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"limit: raised the soft limit on open files (ulimit -n) from 1024 to 3000 (the hard limit)"* ]]
  [[ $output == *"sync-server c=2000: SKIPPED (server_open_files): the server needs 4064 open files (2 per connection + 64) but may open 3000"* ]]
  [[ $output == *"1 point(s) SKIPPED, each for the limit it would exceed"* ]]
  run_dir=$(readlink -f "$BATS_TEST_TMPDIR/results/latest")
  numbers="$run_dir/sync-server.c2000/numbers.txt"
  [ "$(value status "$numbers")" = skipped ]
  [ "$(value limit "$numbers")" = server_open_files ]
  [ "$(value limit_needed "$numbers")" = 4064 ]
  [ "$(value limit_allowed "$numbers")" = 3000 ]
  [ ! -e "$run_dir/sync-server.c2000/server.pid" ]
  [ "$(value status "$run_dir/async-server.c2000/numbers.txt")" = ok ]
  md="$run_dir/summary.md"
  grep -q '^| sync-server | .* | 2,000: skipped (open files of the server (ulimit -n): needs 4,064, allowed 3,000) |$' "$md"
  grep -q '\*\*It breaks at 2,000 connections\*\*: skipped before any load: the server needs 4064 open files' "$md"
  grep -q '^| sync-server | 2,000 | \*\*SKIPPED\*\* |' "$md"
  grep -q '^sync-server,2000,skipped,.*,server_open_files,4064,' "$run_dir/c10k.csv"
}

@test "the default plan fits in 10 minutes; bad settings are refused before anything runs" {
  run "$SCRIPTS/c10k.sh" --dry-run
  [ "$status" -eq 0 ]
  [[ ${lines[-1]} =~ ^16\ points,\ estimated\ ([0-9]+)m ]]
  ((BASH_REMATCH[1] < 10))
  run "$SCRIPTS/c10k.sh" --dry-run --quick
  [ "$status" -eq 0 ]
  [[ ${lines[-1]} =~ ^2\ points,\ estimated\ 0m([0-9]+)s ]]
  run "$SCRIPTS/c10k.sh" --connections-list "1000 lots"
  [ "$status" -eq 1 ]
  [[ $output == *"'lots' is not a whole number"* ]]
  run "$SCRIPTS/c10k.sh" --variants "sync-server nginx"
  [ "$status" -eq 1 ]
  [[ $output == *"unknown variant 'nginx'"* ]]
}

@test "a server that dies under the load: the point is reported failed, with its numbers" {
  set -m # the harness in its own process group, to count what it leaves behind
  local results="$BATS_TEST_TMPDIR/results"
  "$SCRIPTS/c10k.sh" --variants async-server --connections-list 1000 --duration 4s --primer 0 \
    --results-dir "$results" --base-port "$(free_base_port)" >"$BATS_TEST_TMPDIR/log" 2>&1 &
  local harness=$!
  wait_for_line "$results/latest/async-server.c1000/numbers.txt" '^measure_started='
  sleep 0.5
  kill -KILL "$(cat "$results/latest/async-server.c1000/server.pid")"
  local status=0
  wait "$harness" || status=$?
  cat "$BATS_TEST_TMPDIR/log"
  [ "$status" -eq 1 ]
  [ "$(group_members "$harness")" -eq 0 ]
  numbers="$results/latest/async-server.c1000/numbers.txt"
  [ "$(value status "$numbers")" = failed ]
  [[ $(value failure "$numbers") == "the server died during the measured run (exit: signal 9)"* ]]
  # What was sampled before it died is kept.
  [ -n "$(value server_fds_max "$numbers")" ] && [ -n "$(value connections_held_max "$numbers")" ]
  md="$results/latest/summary.md"
  grep -q '^| async-server | 1,000 | \*\*FAILED\*\* |' "$md"
  grep -q '\*\*It breaks at 1,000 connections\*\*: it ran and failed: the server died during the measured run (exit: signal 9)' "$md"
  grep -q '^async-server,1000,failed,' "$results/latest/c10k.csv"
}
