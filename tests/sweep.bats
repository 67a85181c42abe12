#!/usr/bin/env bats
# scripts/sweep.sh end to end: one tiny real sweep (7 points of 1 s, shared by the tests
# below), its CSV, its charts and its summary; points skipped for want of open files; the
# plan of the default and quick sweeps.

load test_helper

setup_file() {
  require_tools wrk curl
  require_binaries sync-server async-server
  SWEEP_RESULTS="$BATS_FILE_TMPDIR/results"
  export SWEEP_RESULTS
  # connections 1 and 10 at 10 ms; delays 1 and 10 ms at 10 connections; workers 1 and 2 for
  # sync-server: 2 + 2 + 2 + 1 = 7 points (c=10 d=10 w=1 is shared by the three sweeps).
  "$SCRIPTS/sweep.sh" --results-dir "$SWEEP_RESULTS" --base-port "$(free_base_port)" \
    --variants "sync-server async-server" --connections-list "1 10" --delays "1 10" \
    --workers-list "1 2" --base-connections 10 --duration 1s --warmup 0 \
    >"$BATS_FILE_TMPDIR/summary.out" 2>"$BATS_FILE_TMPDIR/progress.log" ||
    echo "the tiny sweep failed: $(tail -n 5 "$BATS_FILE_TMPDIR/progress.log")" >&3
}

@test "a tiny sweep: one folder per point with its raw wrk logs, progress, nothing left running" {
  run_dir=$(readlink -f "$SWEEP_RESULTS/latest")
  [ ! -e "$run_dir/INCOMPLETE" ]
  [ "$(find "$run_dir" -mindepth 2 -maxdepth 2 -name numbers.txt | wc -l)" -eq 7 ]
  for point in sync-server.c1.d10.w1 async-server.c1.d10.w1 sync-server.c10.d10.w1 async-server.c10.d10.w1 \
    sync-server.c10.d1.w1 async-server.c10.d1.w1 sync-server.c10.d10.w2; do
    grep -q '^{"wrk_report":1,' "$run_dir/$point/wrk.txt"
    grep -q '^{"wrk_report":1,' "$run_dir/$point/primer.txt"
    [ "$(value status "$run_dir/$point/numbers.txt")" = ok ]
    [ -n "$(value server_cpu_s "$run_dir/$point/numbers.txt")" ]
    dead "$(cat "$run_dir/$point/server.pid")"
  done
  [ "$(value sweeps "$run_dir/sync-server.c10.d10.w1/numbers.txt")" = connections,delay,workers ]
  grep -q '^  "kind": "sweep",$' "$run_dir/meta.json"
  grep -q '^\[1/7, 0m00s elapsed, ~0m[0-9][0-9]s left\] sync-server c=1 d=10ms w=1: ' "$BATS_FILE_TMPDIR/progress.log"
  grep -q '^total time: 0m[0-9][0-9]s for 7 points (estimated 0m[0-9][0-9]s)$' "$BATS_FILE_TMPDIR/progress.log"
}

@test "the sweep's CSV: one row per point, its settings and Little's-law numbers" {
  csv="$SWEEP_RESULTS/latest/summary.csv"
  [ "$(wc -l <"$csv")" -eq 8 ]
  header=$(head -n 1 "$csv")
  [[ $header == variant,run,status,family,kind,threads,connections,duration,delay_ms,workers,* ]]
  [[ $header == *,bound_req_per_sec,bound_fraction,in_flight,client_cpu_s,machine_cpu_busy_s,unloaded_latency_mean_us,unloaded_latency_p99_us,effective_bound_req_per_sec,effective_fraction,sweeps,url,failure ]]
  # wrk threads: never above the connections, and dividing them (wrk gives each thread
  # connections / threads: -t4 -c10 would open only 8); the bound follows the variant's rule.
  grep -q '^sync-server,1,ok,rust,sync,1,1,1s,10,1,' "$csv"
  grep -q '^async-server,1,ok,rust,async,2,10,1s,1,1,' "$csv"
  grep -q '^sync-server,1,ok,rust,sync,2,10,1s,10,2,' "$csv"
  grep -q 'async-server c=10 d=1ms w=1: wrk -t2, not -t4: wrk gives each thread connections / threads, so -t4 -c10 would open only 8 connections$' "$BATS_FILE_TMPDIR/progress.log"
  local column
  column=$(head -n 1 "$csv" | tr ',' '\n' | grep -nx bound_req_per_sec | cut -d: -f1)
  [ "$(awk -F, -v c="$column" '$1 == "async-server" && $7 == 10 && $9 == 1 { print $c }' "$csv")" = 10000.0 ]
  [ "$(awk -F, -v c="$column" '$1 == "sync-server" && $10 == 2 { print $c }' "$csv")" = 200.0 ]
  # A blocked thread: sync-server stays near 1 / 10 ms whatever the connections.
  awk -F, '$1 == "sync-server" && $9 == 10 && $10 == 1 { if ($14 < 50 || $14 > 110) exit 1 }' "$csv"
}

@test "each chart is an SVG, beside its data, that names its axes, the machine and the load" {
  charts="$SWEEP_RESULTS/latest/charts"
  cpu=$(awk -F'"' '/"cpu_model"/ { print $4 }' "$SWEEP_RESULTS/latest/meta.json")
  for chart in throughput-vs-connections latency-vs-connections throughput-vs-delay throughput-vs-workers; do
    [ -s "$charts/$chart.svg" ]
    grep -q '<svg' "$charts/$chart.svg"
    grep -q "$cpu, [0-9]* cores shared by wrk and the servers" "$charts/$chart.svg"
    grep -q '1s per point' "$charts/$chart.svg"
    [ -s "$charts/$chart.csv" ]
  done
  grep -q 'Connections (wrk -c, log scale)' "$charts/throughput-vs-connections.svg"
  grep -q 'Throughput (requests/s, log scale)' "$charts/throughput-vs-connections.svg"
  grep -q 'bound: concurrency / delay' "$charts/throughput-vs-connections.svg"
  grep -q 'Latency (ms, log scale)' "$charts/latency-vs-connections.svg"
  grep -q 'async-server p99' "$charts/latency-vs-connections.svg"
  grep -q 'Waits that block a thread' "$charts/latency-vs-connections.svg"
  grep -q 'Waits that overlap' "$charts/latency-vs-connections.svg"
  grep -q 'Delay per request (ms)' "$charts/throughput-vs-delay.svg"
  grep -q 'Workers (handler threads' "$charts/throughput-vs-workers.svg"
  grep -q 'Throughput (requests/s)' "$charts/throughput-vs-workers.svg"
  # The data beside them: what each line draws, point by point.
  [ "$(grep -c '^,sync-server,measured,' "$charts/throughput-vs-connections.csv")" -eq 2 ]
  [ "$(grep -c '^,async-server,measured,' "$charts/throughput-vs-connections.csv")" -eq 2 ]
  [ "$(grep '^,sync-server,measured,' "$charts/throughput-vs-workers.csv" | cut -d, -f4 | paste -sd' ')" = "1 2" ]
  [ "$(grep -c '^,async-server,' "$charts/throughput-vs-workers.csv")" -eq 0 ]
}

@test "the sweep's summary embeds the charts and says where each variant leaves its bound" {
  md="$SWEEP_RESULTS/latest/summary.md"
  grep -q '^!\[Throughput against connections.*\](charts/throughput-vs-connections.svg)$' "$md"
  grep -q '^!\[p50 and p99 latency against connections\](charts/latency-vs-connections.svg)$' "$md"
  grep -q '^!\[Throughput against workers, blocking variants\](charts/throughput-vs-workers.svg)$' "$md"
  grep -q '^## Where each variant leaves its bound (connections, at 10 ms)$' "$md"
  grep -q '^- \*\*sync-server\*\* (bound: workers / delay .*a blocked thread serves one request per 10 ms' "$md"
  grep -q '^- \*\*async-server\*\* (bound: connections / delay' "$md"
  grep -q '^## How this sweep was run, and why so$' "$md"
  grep -q '^| Variant | Conns | Delay | Workers | Req/sec |.*| Unloaded latency (mean / p99) | Effective bound | Of effective |$' "$md"
  [ "$(grep -c '^| \(sync\|async\)-server | [0-9]* | [0-9]* ms | [0-9] | [0-9]' "$md")" -eq 7 ]
  # The load line gives the threads wrk really ran: -t1 at 1 connection, -t2 at 10.
  grep -q 'wrk -t2 (-t1 where the connections need fewer), 1s per point' "$md"
  # The whole summary was printed at the end.
  cmp -s "$md" "$BATS_FILE_TMPDIR/summary.out"
}

@test "too few open files: the high-connection point is skipped and reported, not a silent hole" {
  run bash -c 'ulimit -Sn 200 && ulimit -Hn 200 && exec "$0" "$@"' "$SCRIPTS/sweep.sh" \
    --results-dir "$BATS_TEST_TMPDIR/results" --base-port "$(free_base_port)" --variants async-server \
    --connections-list "1 500" --delays 10 --workers-list 1 --base-connections 1 \
    --duration 1s --warmup 0 --primer 0
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"SKIPPED: 500 connections need about 564 open files; the limit is 200"* ]]
  [[ $output == *"1 point(s) SKIPPED for want of open files"* ]]
  md="$BATS_TEST_TMPDIR/results/latest/summary.md"
  grep -q '^\*\*Missing from the connections charts:\*\* async-server at c=500 d=10 ms w=1 (SKIPPED: needs about 564 open files' "$md"
  grep -q '^| async-server | 500 | 10 ms | 1 | \*\*SKIPPED\*\* |' "$md"
  grep -q '^async-server,1,skipped,' "$BATS_TEST_TMPDIR/results/latest/summary.csv"
}

@test "--runs 2: each run measures the whole plan again, every point in its own folder" {
  run "$SCRIPTS/sweep.sh" --results-dir "$BATS_TEST_TMPDIR/results" --base-port "$(free_base_port)" \
    --variants "sync-server async-server" --connections-list "1 2" --delays 10 --workers-list 1 \
    --base-connections 1 --duration 1s --warmup 0 --primer 0 --runs 2
  echo "$output"
  [ "$status" -eq 0 ]
  run_dir=$(readlink -f "$BATS_TEST_TMPDIR/results/latest")
  [ ! -e "$run_dir/INCOMPLETE" ]
  local point folder
  for point in sync-server.c1 async-server.c1 sync-server.c2 async-server.c2; do
    for folder in "$run_dir/$point.d10.w1.run1" "$run_dir/$point.d10.w1.run2"; do
      # The folder holds the point its name says: variant and connections as measured.
      [ "$(value variant "$folder/numbers.txt")" = "${point%.c*}" ]
      [ "$(value connections "$folder/numbers.txt")" = "${point#*.c}" ]
      [ "$(value status "$folder/numbers.txt")" = ok ]
    done
  done
  [ "$(find "$run_dir" -mindepth 2 -maxdepth 2 -name numbers.txt | wc -l)" -eq 8 ]
  [[ $output == *"[5/8, "*"] sync-server c=1 d=10ms w=1: "* ]]
}

@test "the default sweep's plan fits in 15 minutes, the quick one in 90 seconds" {
  run "$SCRIPTS/sweep.sh" --dry-run
  [ "$status" -eq 0 ]
  [[ ${lines[-1]} =~ ^57\ points,\ estimated\ ([0-9]+)m ]]
  ((BASH_REMATCH[1] < 15))
  # Blocked queues above 1 s are not warmed up: sync-server at 1000 connections, 10 ms.
  [[ $output =~ sync-server\ +c=1000\ +d=10\ +w=1\ +warm-up\ 0 ]]
  [[ $output =~ async-server\ +c=1000\ +d=10\ +w=1\ +warm-up\ 1s ]]
  run "$SCRIPTS/sweep.sh" --dry-run --quick
  [ "$status" -eq 0 ]
  [[ ${lines[-1]} =~ ^21\ points,\ estimated\ 0m([0-9]+)s ]]
  ((BASH_REMATCH[1] < 90))
  run "$SCRIPTS/sweep.sh" --connections-list "1 ten"
  [ "$status" -eq 1 ]
  [[ $output == *"'ten' is not a whole number"* ]]
}
