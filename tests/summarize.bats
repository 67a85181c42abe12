#!/usr/bin/env bats
# scripts/summarize.sh: the table, the notes and the seed's observations, from recorded
# outputs (the seed's own three) and from hand-made points with known numbers.

load test_helper

# point DIR KEY=VALUE...: a point folder as measure_point leaves it (numbers.txt only).
point() {
  local dir=$1
  shift
  mkdir -p "$dir"
  printf '%s\n' "$@" >"$dir/numbers.txt"
}

# rust_point RUN_DIR SEQ VARIANT KIND BLOCKS BOUND REQ_PER_SEC MEAN_US [KEY=VALUE...]
rust_point() {
  local run=$1 seq=$2 variant=$3 kind=$4 blocks=$5 bound=$6 rate=$7 mean=$8
  shift 8
  point "$run/$variant" variant="$variant" seq="$seq" run=1 status=ok family=rust kind="$kind" \
    blocks="$blocks" threads=4 connections=100 duration=10s delay_ms=10 workers=1 timeout=10s \
    bound_req_per_sec="$bound" bound_rule="rule" requests=1000 duration_us=10000000 \
    req_per_sec="$rate" latency_mean_us="$mean" latency_max_us="$mean" latency_p50_us="$mean" \
    latency_p99_us="$mean" errors_connect=0 errors_read=0 errors_write=0 errors_status=0 \
    errors_timeout=0 server_cpu_s=0.50 server_peak_rss_kb=4096 server_threads_max=2 server_exit=0 "$@"
}

@test "the seed's three logs: its table and its three observations, which all hold" {
  run "$SCRIPTS/summarize.sh" --logs "$SEED_RESULTS" --out "$BATS_TEST_TMPDIR" --delay-ms 10
  [ "$status" -eq 0 ]
  md="$BATS_TEST_TMPDIR/summary.md"
  [ -f "$md" ] && [ -f "$BATS_TEST_TMPDIR/summary.csv" ]
  # The seed's table, in the seed's order, with its figures.
  run grep -n '^| python' "$md"
  [[ ${lines[0]} == *"| python-sync | 44.6 | 65.17 ms | 82.06 ms |"* ]]
  [[ ${lines[1]} == *"| python-async | 7685 | 12.98 ms | 17.73 ms |"* ]]
  [[ ${lines[2]} == *"| python-async-blocking | 80.8 | 1.16 s | 1.27 s |"* ]]
  # Bounds: one thread -> 100 req/s; the event loop -> 100 connections / 10 ms.
  [[ ${lines[0]} == *"| 100 | 45% | — | — | — |" ]]
  [[ ${lines[1]} == *"| 10000 | 77% | — | — | — |" ]]
  grep -q '^1\. .*\*\*Holds\*\*' "$md"
  grep -q '^2\. .*\*\*Holds\*\*' "$md"
  grep -q '^3\. .*\*\*Holds\*\*' "$md"
  # Observation 3 is explained by where the queue was: 2.9 of 100 requests in wrk's view.
  grep -q 'python-sync had only 2.9 of 100 requests in flight' "$md"
  grep -q 'python-sync: \*\*780 errors\*\* (connect 0, read 771, write 9' "$md"
  [ "$(wc -l <"$BATS_TEST_TMPDIR/summary.csv")" -eq 4 ]
  grep -q '^python-sync,1,ok,python,sync,4,100,10s,10,1,,450,10090000,44.61,65170,' "$BATS_TEST_TMPDIR/summary.csv"
}

@test "without --delay-ms, logs are summarised with no bound and no invented figures" {
  run "$SCRIPTS/summarize.sh" --logs "$SEED_RESULTS" --out "$BATS_TEST_TMPDIR" --quiet
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  grep -q '^| python-sync | 44.6 | .* | — | — |$' "$BATS_TEST_TMPDIR/summary.md"
}

@test "a steady Rust run: both blocking variants at ~1 s, so observation 3 does not hold" {
  run_dir="$BATS_TEST_TMPDIR/run"
  rust_point "$run_dir" 1 sync-server sync yes 100.0 99.0 1005000
  rust_point "$run_dir" 2 async-server async no 10000.0 9400.0 10600
  rust_point "$run_dir" 3 async-blocking-server async-blocking yes 100.0 98.9 1008000
  run "$SCRIPTS/summarize.sh" "$run_dir"
  [ "$status" -eq 0 ]
  [[ $output == *"1. *Clients can make significantly more requests to the async server.* **Holds**"* ]]
  [[ $output == *"2. *The async server with async downstream calls has significantly lower latency"*"**Holds**"* ]]
  [[ $output == *"3. *The async server with sync downstream calls has higher latency than the sync server.* **Does not hold: about the same**"* ]]
  [[ $output == *"Both held (almost) every connection's request in their own queue"* ]]
  [[ $output == *"Nothing odd"* ]]
  [[ $output == *"| sync-server | 99.0 | 1.00 s |"*"| 100 | 99% |"* ]]
}

@test "a variant far from its bound, timeouts and errors are called out, not hidden" {
  run_dir="$BATS_TEST_TMPDIR/run"
  rust_point "$run_dir" 1 sync-server sync yes 100.0 99.0 1005000 errors_timeout=12
  rust_point "$run_dir" 2 async-server async no 10000.0 3000.0 33000 server_cpu_s=9.50 errors_read=5
  rust_point "$run_dir" 3 async-blocking-server async-blocking yes 100.0 98.9 1008000 server_exit=1
  run "$SCRIPTS/summarize.sh" "$run_dir"
  [ "$status" -eq 0 ]
  [[ $output == *"sync-server: **12 requests timed out**"* ]]
  [[ $output == *"async-server: **5 errors** (connect 0, read 5"* ]]
  [[ $output == *"async-server reached only 30% of its Little's-law bound"*"CPU, not the wait, is the limit."* ]]
  [[ $output == *"async-blocking-server: the server did not exit cleanly after SIGTERM: 1."* ]]
  [[ $output == *"Caution: 12 (sync-server)"* ]]
}

@test "an incomplete run with a failed variant: marked, shown, observations not checked" {
  run_dir="$BATS_TEST_TMPDIR/run"
  rust_point "$run_dir" 1 sync-server sync yes 100.0 99.0 1005000
  point "$run_dir/async-server" variant=async-server seq=2 run=1 status=failed family=rust kind=async \
    connections=100 delay_ms=10 workers=1 "failure=the server died during the measured run (exit: signal 9)"
  echo "Interrupted by SIGINT at 12:00:00Z during async-server (run 1), after 1 of 3 points." >"$run_dir/INCOMPLETE"
  run "$SCRIPTS/summarize.sh" "$run_dir"
  [ "$status" -eq 0 ]
  [[ $output == *"**INCOMPLETE RUN: Interrupted by SIGINT"* ]]
  [[ $output == *"| async-server | **FAILED** |"* ]]
  [[ $output == *"**async-server FAILED**: the server died during the measured run (exit: signal 9)"* ]]
  [[ $output == *"Not checked for the rust servers"* ]]
  grep -q '^async-server,1,failed,' "$run_dir/summary.csv"
}

@test "bounds follow the variant table: workers, connections, the offload pool's cap" {
  logs="$BATS_TEST_TMPDIR/logs"
  mkdir -p "$logs"
  cp "$FIXTURES/wrk/units-and-errors.txt" "$logs/async-blocking-offload.txt" # 1000 connections
  cp "$SEED_RESULTS/python-sync.txt" "$logs/sync-server.txt"                # 100 connections
  run "$SCRIPTS/summarize.sh" --logs "$logs" --delay-ms 10 --workers 4
  [ "$status" -eq 0 ]
  # The loads differ, so the table shows them.
  [[ $output == *"| Variant | Conns | Delay | Workers | Req/sec |"* ]]
  [[ $output == *"| sync-server | 100 | 10 ms | 4 | 44.6 |"*"| 400 | 11% |"* ]]
  # min(1000 connections, 512 blocking threads) / 10 ms
  [[ $output == *"| async-blocking-offload | 1000 | 10 ms | 4 | 1805 |"*"| 51200 | 4% |"* ]]
}

@test "the effective bound separates a longer wait from a lack of CPU, in numbers" {
  run_dir="$BATS_TEST_TMPDIR/run"
  # Timer granularity: 11.3 ms alone, so 100 / 11.3 ms = 8850 req/s at most; 7900 is 89% of it.
  rust_point "$run_dir" 1 async-server async no 10000.0 7900.0 12400 unloaded_latency_mean_us=11300 \
    unloaded_latency_p99_us=12900 effective_bound_req_per_sec=8849.6 server_cpu_s=1.50 client_cpu_s=1.20
  # No longer wait, but the server's one thread is busy: CPU.
  rust_point "$run_dir" 2 async-blocking-offload async-blocking-offload no 10000.0 5000.0 20000 \
    unloaded_latency_mean_us=10200 unloaded_latency_p99_us=10600 effective_bound_req_per_sec=9803.9 \
    server_cpu_s=9.20 client_cpu_s=4.00
  # Neither thread busy alone, but the 2 cores are full: server, wrk and another process.
  printf '{\n  "cores": 2,\n  "delay_ms": 10\n}\n' >"$run_dir/meta.json"
  point "$run_dir/x" variant=async-server seq=3 run=1 status=ok family=rust kind=async blocks=no threads=4 \
    connections=1000 duration=10s delay_ms=10 workers=2 timeout=10s bound_req_per_sec=100000.0 \
    bound_rule=rule requests=1 duration_us=10000000 req_per_sec=50000 latency_mean_us=19000 \
    unloaded_latency_mean_us=11300 unloaded_latency_p99_us=12900 effective_bound_req_per_sec=88495.6 \
    server_cpu_s=6.00 client_cpu_s=6.00 machine_cpu_busy_s=19.00 server_exit=0
  run "$SCRIPTS/summarize.sh" "$run_dir"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"| async-server | 100 | 10 ms | 1 | 7900 |"*"| 10000 | 79% | 11.30 ms / 12.90 ms | 8850 | 89% |"* ]]
  [[ $output == *"- async-server reached only 79% of its Little's-law bound (7900 req/s of 10000, rule: rule). The wait itself is longer than the delay: one request alone takes 11.30 ms (p99 12.90 ms), not 10 ms (timer granularity and overhead: +1.30 ms), so Little's law allows at most 8850 req/s (the effective bound), of which it reached 89%. The longer wait explains most of the gap."* ]]
  [[ $output == *"- async-blocking-offload reached only 50% of its Little's-law bound (5000 req/s of 10000, rule: rule). The server used 9.20 s of CPU in 10.0 s (92% of one core), wrk 4.00 s (40%)"*"the server ran out of CPU (1 worker thread(s)): CPU, not the wait, is the limit."* ]]
  [[ $output == *"The server used 6.00 s of CPU in 10.0 s (60% of one core), wrk 6.00 s (60%), the whole machine 19.00 s (95% of its 2 cores; other processes 7.00 s): the machine ran out of CPU (busy 95% of its 2 cores, 37% of it other processes than the server and wrk: a busy machine, measure again when it is quiet)"* ]]
  head -n 1 "$run_dir/summary.csv" | grep -q ',client_cpu_s,machine_cpu_busy_s,unloaded_latency_mean_us,unloaded_latency_p99_us,effective_bound_req_per_sec,effective_fraction,'
  grep -q '^async-server,1,ok,.*,8849.6,0.893,' "$run_dir/summary.csv"
}
