#!/usr/bin/env bats
# The roles on hosts of their own (SERVER_HOST, DOWNSTREAM_HOST, LOAD_HOSTS; scripts/hosts.sh),
# on three test hosts made by scripts/lab-hosts.sh: network namespaces with an sshd each.
# Where this machine cannot make them (`scripts/lab-hosts.sh check` exits 3), or while lab
# hosts are up (their names are taken), every test is skipped with the reason.

load test_helper

setup_file() {
  if lab_unavailable >"$BATS_FILE_TMPDIR/unavailable"; then return 0; fi
  rm -f "$BATS_FILE_TMPDIR/unavailable"
  "$SCRIPTS/lab-hosts.sh" up --hosts 3 --dir "$BATS_FILE_TMPDIR/lab" >"$BATS_FILE_TMPDIR/lab-up.log" 2>&1
}

teardown_file() {
  [[ -e $BATS_FILE_TMPDIR/unavailable ]] || "$SCRIPTS/lab-hosts.sh" down --dir "$BATS_FILE_TMPDIR/lab" >/dev/null 2>&1 || true
}

setup() {
  [[ ! -e $BATS_FILE_TMPDIR/unavailable ]] || skip "$(cat "$BATS_FILE_TMPDIR/unavailable")"
  require_binaries sync-server async-server bench-report
  require_tools wrk curl ssh
  export SSH_CONFIG="$BATS_FILE_TMPDIR/lab/ssh_config"
  unset SERVER_HOST DOWNSTREAM_HOST LOAD_HOSTS
  RESULTS="$BATS_TEST_TMPDIR/results"
}

# only_sshd_in HOST: the one process left in HOST's namespace is its sshd (nothing the run
# started is left there). The sshd processes of the run's ssh connection end a moment after the
# harness closes it: up to 5 s is allowed for that.
only_sshd_in() {
  local pids sshd pid _attempt
  sshd=$(cat "$BATS_FILE_TMPDIR/lab/$1/sshd.pid")
  for _attempt in $(seq 50); do
    pids=$(ip netns pids "sal-$1" | paste -sd ' ')
    [[ $pids != "$sshd" ]] || return 0
    sleep 0.1
  done
  echo "left in $1 (its sshd: $sshd):" >&2
  for pid in $pids; do echo "  $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2; done
  return 1
}

@test "bench with the load, the server and the downstream on three hosts: figures, each host's logs and facts, nothing left running" {
  SERVER_HOST=lab2 DOWNSTREAM_HOST=lab3 LOAD_HOSTS=lab1 run "$SCRIPTS/bench.sh" --variants async-server --downstream http \
    --duration 1s --warmup 0 --primer 1s --results-dir "$RESULTS"
  [ "$status" -eq 0 ]
  local point="$RESULTS/latest/async-server+http"
  [ "$(value status "$point/numbers.txt")" = ok ]
  [ "$(value server_host "$point/numbers.txt")" = lab2 ]
  [ "$(value downstream_host "$point/numbers.txt")" = lab3 ]
  [ "$(value url "$point/numbers.txt")" = "http://10.77.0.12:9001/" ]
  [ "$(value downstream_url "$point/numbers.txt")" = "http://10.77.0.13:9100/" ]
  [ "$(value server_exit "$point/numbers.txt")" = 0 ]
  [ "$(value downstream_exit "$point/numbers.txt")" = 0 ]
  # The server's and the downstream's CPU, read from their hosts' /proc.
  [[ $(value server_cpu_s "$point/numbers.txt") =~ ^[0-9]+\.[0-9]{2}$ ]]
  [[ $(value downstream_cpu_s "$point/numbers.txt") =~ ^[0-9]+\.[0-9]{2}$ ]]
  "$REPORT" wrk --json-line "$point/wrk.txt"
  # Their logs, brought back.
  grep -q 'listening variant="async-server"' "$point/server.log"
  grep -q 'stopped variant="async-server"' "$point/downstream.log"
  # meta.json: every host, as it described itself.
  run python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(" ".join(h["destination"] + ":" + h["hostname"] + ":" + h["role"] for h in m["hosts"]))' "$RESULTS/latest/meta.json"
  [ "$output" = "lab2:lab2:server lab3:lab3:downstream lab1:lab1:load" ]
  only_sshd_in lab1
  only_sshd_in lab2
  only_sshd_in lab3
}

@test "an unreachable host fails before any load, naming it and ssh's error" {
  local started=$SECONDS
  SERVER_HOST=lab2 LOAD_HOSTS=lab9 run "$SCRIPTS/bench.sh" --variants sync-server --duration 1s --results-dir "$RESULTS"
  [ "$status" -eq 1 ]
  [[ $output == *"cannot reach lab9 (load host) over ssh: "*"(nothing was run)"* ]]
  ((SECONDS - started < 15))
  # No run folder: nothing was measured.
  run find "$RESULTS" -mindepth 1 -maxdepth 1 -type d
  [ "$output" = "" ]
}

@test "the Python baselines are refused on another host before anything starts" {
  SERVER_HOST=lab2 run "$SCRIPTS/bench.sh" --variants python-sync --duration 1s --results-dir "$RESULTS"
  [ "$status" -eq 1 ]
  [[ $output == *"python-sync is one of the Python baselines, which run on this machine only"* ]]
}

@test "two load hosts send the same requests in total as one; each host's log kept, the merge recorded" {
  # sync-server serves one request per 10 ms whatever the load: the total is the server's.
  local one two
  SERVER_HOST=lab2 LOAD_HOSTS=lab1 run "$SCRIPTS/bench.sh" --variants sync-server --connections 10 \
    --duration 1s --warmup 0 --primer 0 --results-dir "$RESULTS/one"
  [ "$status" -eq 0 ]
  SERVER_HOST=lab2 LOAD_HOSTS=lab1,lab3 run "$SCRIPTS/bench.sh" --variants sync-server --connections 10 \
    --duration 1s --warmup 0 --primer 0 --results-dir "$RESULTS/two"
  [ "$status" -eq 0 ]
  local point="$RESULTS/two/latest/sync-server"
  [ -s "$point/wrk-lab1.txt" ]
  [ -s "$point/wrk-lab3.txt" ]
  [ -s "$point/wrk-lab1.hist" ]
  [ "$(value load_hosts "$point/numbers.txt")" = lab1,lab3 ]
  one=$("$REPORT" wrk --json-line "$RESULTS/one/latest/sync-server/wrk.txt" | grep -oE '^[0-9]+')
  two=$("$REPORT" wrk --json-line "$point/wrk.txt" | grep -oE '^[0-9]+')
  echo "one host: $one req/s, two hosts: $two req/s" >&2
  ((two * 100 >= one * 85 && two * 100 <= one * 115))
  only_sshd_in lab1
  only_sshd_in lab3
}

@test "latency: the open loop from a load host against a server host; several load hosts refused" {
  require_binaries bench-report
  SERVER_HOST=lab2 LOAD_HOSTS=lab1 run "$SCRIPTS/latency.sh" --variants async-server --rates 500 --duration 1s \
    --primer 0 --results-dir "$RESULTS"
  [ "$status" -eq 0 ]
  local point
  point=$(find -H "$RESULTS/latest" -mindepth 1 -maxdepth 1 -type d -name 'async-server*' | head -n 1)
  [ "$(value status "$point/numbers.txt")" = ok ]
  [ "$(value oha_exit "$point/numbers.txt")" = 0 ]
  [ "$(value server_host "$point/numbers.txt")" = lab2 ]
  grep -q 'Where the generator ran' "$RESULTS/latest/summary.md"
  only_sshd_in lab1
  only_sshd_in lab2
  SERVER_HOST=lab2 LOAD_HOSTS=lab1,lab3 run "$SCRIPTS/latency.sh" --variants async-server --rates 500 --duration 1s \
    --results-dir "$RESULTS/two"
  [ "$status" -eq 1 ]
  [[ $output == *"the open loop runs from one load host"* ]]
}

@test "a server host lost mid-run: the run is INCOMPLETE naming it, and the others are left clean" {
  SERVER_HOST=lab2 LOAD_HOSTS=lab1 "$SCRIPTS/bench.sh" --variants sync-server --connections 10 --duration 4s \
    --warmup 0 --primer 0 --results-dir "$RESULTS" >"$BATS_TEST_TMPDIR/bench.log" 2>&1 &
  local pid=$! status=0
  wait_for_line "$BATS_TEST_TMPDIR/bench.log" 'wrk -t'
  sleep 1
  # lab2 drops off the network: its link to the bridge goes down.
  ip link set dev sal-v2 down
  local _waited
  for _waited in $(seq 600); do
    alive "$pid" || break
    sleep 0.1
  done
  ip link set dev sal-v2 up
  wait "$pid" || status=$?
  cat "$BATS_TEST_TMPDIR/bench.log" >&2
  [ "$status" -ne 0 ]
  [[ $(cat "$RESULTS/latest/INCOMPLETE") == *"host lab2 (server) stopped answering over ssh during sync-server (run 1)"* ]]
  only_sshd_in lab1
}
