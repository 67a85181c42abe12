#!/usr/bin/env bats
# shellcheck source-path=SCRIPTDIR
# Every server variant of variants.table (the Rust servers and the seed's
# Python ones) against the HTTP clients people benchmark and fetch with: ab with and without
# -k, hey with and without keep-alive, h2load --h1, curl over HTTP/1.0 (with and without
# keep-alive) and HTTP/1.1, wget, and Python's http.client on one kept connection. Each run
# must complete every request, all answered 200, within a generous time limit: a client
# that hangs (as `ab -k` once did on sync-server, vendor/tiny_http/PATCHES.md patch 5) fails
# its test, naming the servers it failed against.
#
# A client that is not installed fails the whole file, naming it (`make test-scripts`
# installs them first with scripts/ensure-tools.sh); nothing is skipped.

load test_helper
# The table of variants (variant_names, variant_lookup).
# shellcheck source=../scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

# Each server waits this long per `GET /`: small, so the file runs fast.
readonly DELAY_MS=1
# Requests and concurrency of the load generators (ab, hey, h2load): the issue's `ab -k`
# reproducer, -c 10 -n 100.
readonly REQUESTS=100
readonly CONCURRENCY=10
# Requests of the one-at-a-time clients (curl, wget, http.client), on as few connections as
# each client manages.
readonly SEQUENTIAL_REQUESTS=20
# Seconds one client run may take against one server. About a second is normal; the
# seed's sync server has an accept backlog of 5, so a connect may wait for a SYN retry.
readonly CLIENT_TIMEOUT=60
readonly CLIENTS="ab hey h2load curl wget python3"

setup_file() {
  local missing=() tool name
  for tool in $CLIENTS; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if ((${#missing[@]} > 0)); then
    echo "interop: not installed: ${missing[*]} (scripts/ensure-tools.sh ${missing[*]} installs them)" >&3
    return 1
  fi
  require_binaries sync-server async-server async-blocking-server
  "$REPO_ROOT/baselines/python/setup.sh" >&3 2>&1

  export SERVERS="$BATS_FILE_TMPDIR/servers"
  : >"$SERVERS"
  local base port
  base=$(free_ports "$(variant_names | wc -l)") || {
    echo "no free ports for the servers" >&3
    return 1
  }
  port=$base
  for name in $(variant_names); do
    start_variant "$name" "$port"
    port=$((port + 1))
  done
  while read -r name port _; do
    wait_healthy "$name" "$port" || return 1
  done <"$SERVERS"
}

teardown_file() {
  # Every server this file started, by the PID it recorded; nothing by name.
  local name port pid _attempt
  [[ -f ${SERVERS:-} ]] || return 0
  while read -r name port pid; do
    kill -TERM "$pid" 2>/dev/null || continue
    for _attempt in $(seq 100); do
      alive "$pid" || break
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done <"$SERVERS"
}

# free_ports COUNT: the first of COUNT consecutive free ports, picked at random (20000-28990).
free_ports() {
  local base offset _attempt
  for _attempt in $(seq 50); do
    base=$((20000 + (RANDOM % 900) * 10))
    for ((offset = 0; offset < $1; offset++)); do port_free $((base + offset)) || continue 2; done
    echo "$base"
    return 0
  done
  return 1
}

# start_variant NAME PORT: starts the variant's command from the table in the background and
# records "NAME PORT PID" in $SERVERS.
start_variant() {
  variant_lookup "$1" || return 1
  "${V_COMMAND[@]}" --addr "127.0.0.1:$2" --delay-ms "$DELAY_MS" \
    >"$BATS_FILE_TMPDIR/$1.log" 2>&1 3>&- &
  echo "$1 $2 $!" >>"$SERVERS"
}

# wait_healthy NAME PORT: polls /health for up to 15 s.
wait_healthy() {
  local _attempt
  for _attempt in $(seq 300); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$2/health" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$1 did not answer /health on port $2; its log:" >&3
  cat "$BATS_FILE_TMPDIR/$1.log" >&3
  return 1
}

# against_every_server CHECK [ARGS...]: runs `CHECK URL ARGS...` for each server; prints
# the output of those it failed against and fails naming them.
against_every_server() {
  local check=$1 name port _pid failed=()
  shift
  while read -r name port _pid; do
    if ! "$check" "http://127.0.0.1:$port/" "$@" >"$BATS_TEST_TMPDIR/$name.out" 2>&1; then
      failed+=("$name")
      echo "--- $check against $name:"
      cat "$BATS_TEST_TMPDIR/$name.out"
    fi
  done <"$SERVERS"
  if ((${#failed[@]} > 0)); then
    echo "FAILED against: ${failed[*]}"
    return 1
  fi
}

# run_client COMMAND...: runs COMMAND within the time limit; its output goes to
# $CLIENT_OUTPUT (and is printed). Fails on a non-zero exit, saying so, and on the limit.
run_client() {
  local status=0
  CLIENT_OUTPUT=$(timeout "$CLIENT_TIMEOUT" "$@" 2>&1) || status=$?
  printf '%s\n' "$CLIENT_OUTPUT"
  if ((status == 124)); then
    echo "$1 did not finish within ${CLIENT_TIMEOUT}s"
    return 1
  elif ((status != 0)); then
    echo "$1 exited with status $status"
    return 1
  fi
}

# expect_line REGEX WHAT: $CLIENT_OUTPUT has a line matching REGEX, or fail saying WHAT.
expect_line() {
  grep -Eq "$1" <<<"$CLIENT_OUTPUT" || {
    echo "expected $2"
    return 1
  }
}

# ab_all_200 URL [FLAGS...]: every request complete, none failed, no non-2xx answer (ab
# counts 2xx together; the only 2xx these servers send for GET / is 200).
ab_all_200() {
  local url=$1
  shift
  run_client ab "$@" -n "$REQUESTS" -c "$CONCURRENCY" "$url" || return 1
  expect_line "^Complete requests: +$REQUESTS\$" "$REQUESTS complete requests" || return 1
  expect_line '^Failed requests: +0$' "no failed request" || return 1
  if grep -q '^Non-2xx responses' <<<"$CLIENT_OUTPUT"; then
    echo "expected no non-2xx response"
    return 1
  fi
}

# hey_all_200 URL [FLAGS...]: the status code distribution is exactly REQUESTS x 200, and
# no errors.
hey_all_200() {
  local url=$1
  shift
  run_client hey "$@" -n "$REQUESTS" -c "$CONCURRENCY" "$url" || return 1
  expect_line "^ +\[200\][[:space:]]+$REQUESTS responses\$" "$REQUESTS answers 200" || return 1
  if grep -Eq '^ +\[[0-9]+\]' <<<"$(grep -Ev '^ +\[200\]' <<<"$CLIENT_OUTPUT")" ||
    grep -q '^Error distribution' <<<"$CLIENT_OUTPUT"; then
    echo "expected no other status and no error"
    return 1
  fi
}

# h2load_all_200 URL: HTTP/1.1 (--h1), every request done and succeeded, all 2xx.
h2load_all_200() {
  run_client h2load --h1 -n "$REQUESTS" -c "$CONCURRENCY" "$1" || return 1
  expect_line "^requests: $REQUESTS total, $REQUESTS started, $REQUESTS done, $REQUESTS succeeded, 0 failed, 0 errored, 0 timeout\$" \
    "all $REQUESTS requests succeeded" || return 1
  expect_line "^status codes: $REQUESTS 2xx, 0 3xx, 0 4xx, 0 5xx\$" "$REQUESTS answers 2xx" || return 1
}

# curl_all_200 URL [FLAGS...]: one curl fetching URL SEQUENTIAL_REQUESTS times (reusing its
# connection where the server keeps it); every status printed must be 200.
curl_all_200() {
  local url=$1 targets=() _index
  shift
  for ((_index = 0; _index < SEQUENTIAL_REQUESTS; _index++)); do targets+=(-o /dev/null "$url"); done
  run_client curl -sS --max-time 10 -w '%{http_code}\n' "$@" "${targets[@]}" || return 1
  local answered
  answered=$(grep -c '^200$' <<<"$CLIENT_OUTPUT" || true)
  if ((answered != SEQUENTIAL_REQUESTS)) || grep -qv '^200$' <<<"$CLIENT_OUTPUT"; then
    echo "expected $SEQUENTIAL_REQUESTS answers, all 200; got $answered 200s"
    return 1
  fi
}

# wget_all_200 URL: one wget fetching URL SEQUENTIAL_REQUESTS times; -S prints each status.
wget_all_200() {
  local targets=() _index
  for ((_index = 0; _index < SEQUENTIAL_REQUESTS; _index++)); do targets+=("$1"); done
  run_client wget -S -O /dev/null --tries=1 --timeout=10 "${targets[@]}" || return 1
  local answered
  answered=$(grep -Ec '^ +HTTP/1\.[01] 200 ' <<<"$CLIENT_OUTPUT" || true)
  if ((answered != SEQUENTIAL_REQUESTS)); then
    echo "expected $SEQUENTIAL_REQUESTS answers 200; got $answered"
    return 1
  fi
}

# http_client_all_200 URL: Python's http.client, one HTTPConnection for all the requests.
# It must stay on one connection unless the server said it would close (HTTP/1.0, or
# Connection: close), in which case http.client opens the next one itself.
http_client_all_200() {
  run_client python3 - "$1" "$SEQUENTIAL_REQUESTS" <<'PYTHON'
import http.client
import sys
import urllib.parse

url, count = urllib.parse.urlsplit(sys.argv[1]), int(sys.argv[2])
connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
statuses, local_ports, closed_by_server = [], set(), 0
for _ in range(count):
    connection.request("GET", "/")
    local_ports.add(connection.sock.getsockname()[1])
    response = connection.getresponse()
    response.read()
    statuses.append(response.status)
    closed_by_server += response.will_close
connection.close()
print(f"{statuses.count(200)}/{count} answered 200 on {len(local_ports)} connection(s); "
      f"{closed_by_server} answers closed theirs")
kept_when_asked = closed_by_server > 0 or len(local_ports) == 1
sys.exit(0 if statuses.count(200) == count and kept_when_asked else 1)
PYTHON
}

@test "ab (HTTP/1.0, a connection per request)" {
  against_every_server ab_all_200
}

@test "ab -k (HTTP/1.0 keep-alive)" {
  against_every_server ab_all_200 -k
}

@test "hey (HTTP/1.1 keep-alive)" {
  against_every_server hey_all_200
}

@test "hey -disable-keepalive" {
  against_every_server hey_all_200 -disable-keepalive
}

@test "h2load --h1" {
  against_every_server h2load_all_200
}

@test "curl --http1.0" {
  against_every_server curl_all_200 --http1.0
}

@test "curl --http1.0 with Connection: keep-alive" {
  against_every_server curl_all_200 --http1.0 -H 'Connection: keep-alive'
}

@test "curl (HTTP/1.1)" {
  against_every_server curl_all_200 --http1.1
}

@test "wget" {
  against_every_server wget_all_200
}

@test "Python's http.client on one kept connection" {
  against_every_server http_client_all_200
}
