# Shared set-up for the harness's bats tests: paths, and a key=value reader.
# shellcheck shell=bash

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPTS="$REPO_ROOT/scripts"
FIXTURES="$REPO_ROOT/tests/fixtures"
# The seed's three wrk outputs, as it published them: real test cases for the parser.
SEED_RESULTS="$REPO_ROOT/baselines/python/seed-results"
# The release binaries, built by `make build`: where cargo puts them (CARGO_TARGET_DIR/release
# where that is set, else target/release; the Makefile and scripts/lib.sh say the same).
BIN_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release"
# The report program.
REPORT="$BIN_DIR/bench-report"
export REPO_ROOT SCRIPTS FIXTURES SEED_RESULTS BIN_DIR REPORT

# value KEY FILE: the last value of KEY in a key=value file.
value() {
  awk -F= -v key="$1" '$1 == key { v = substr($0, length(key) + 2) } END { print v }' "$2"
}

# csv_value FILE VARIANT COLUMN: COLUMN of VARIANT's first row in a summary.csv (a minimal
# reader: it does not split quoted fields, so only columns before "sweeps" are safe).
csv_value() {
  awk -F, -v variant="$2" -v column="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == column) c = i; next }
    $1 == variant && c { print $c; exit }' "$1"
}

# port_free PORT: nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_base_port: the first of 4 consecutive free ports, picked at random (20000-28990), with
# the port 100 above it free too (a real downstream's, bench.sh --base-port), so tests never
# meet a `make bench` on the default ports or another test run.
free_base_port() {
  local base offset _attempt
  for _attempt in $(seq 50); do
    base=$((20000 + (RANDOM % 900) * 10))
    for offset in 0 1 2 3 100; do port_free $((base + offset)) || continue 2; done
    echo "$base"
    return 0
  done
  return 1
}

# alive PID: the process exists and is not a zombie.
alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# dead PID: the opposite of alive (bats ignores a bare `! command`, so tests use this).
dead() { ! alive "$1"; }

# group_members PGID: how many processes are left in a process group, read from /proc
# (no ps needed): field 5 of /proc/PID/stat is the group. Field 2, the command name in
# parentheses, may itself hold spaces and ")", so the fields are counted after the last ")".
# Fails, printing nothing, where /proc cannot be read: a check that counts nothing is no check.
group_members() {
  local stat_file stat fields count=0
  if [[ ! -r /proc/self/stat ]]; then
    echo "group_members: /proc cannot be read, so the processes left behind cannot be counted" >&2
    return 1
  fi
  for stat_file in /proc/[0-9]*/stat; do
    { read -r stat <"$stat_file"; } 2>/dev/null || continue # that process has just ended
    read -ra fields <<<"${stat##*) }"
    # After the ")": state, ppid, pgrp.
    if [[ ${fields[2]} == "$1" ]]; then count=$((count + 1)); fi
  done
  echo "$count"
}

# require_tools TOOL...: fails with one clear line naming the tools that are missing
# (`make test-scripts` installs them), so that no test passes or fails for want of one.
require_tools() {
  local tool missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  ((${#missing[@]} == 0)) && return 0
  echo "missing ${missing[*]}: install with scripts/ensure-tools.sh ${missing[*]} (make test-scripts does)" >&2
  return 1
}

# require_binaries NAME...: the release builds of this workspace's binaries are there, or one
# line on the test's output naming the first one missing and how to build it.
require_binaries() {
  local name
  for name in "$@"; do
    if [[ ! -x $BIN_DIR/$name ]]; then
      echo "$BIN_DIR/$name is missing: run 'make build' first" >&3
      return 1
    fi
  done
}

# wait_for_line FILE PATTERN: poll (up to 20 s) until FILE has a line matching PATTERN.
wait_for_line() {
  local _attempt
  for _attempt in $(seq 400); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out waiting for '$2' in $1; its last lines:" >&2
  tail -n 20 "$1" >&2 2>/dev/null || true
  return 1
}

# start_server BINARY PORT: one of our servers, started by the test itself (not the harness);
# sets SERVER_PID. The test stops it by that PID.
start_server() {
  "$BIN_DIR/$1" --addr "127.0.0.1:$2" --delay-ms 10 2>"$BATS_TEST_TMPDIR/$1.log" &
  # shellcheck disable=SC2034 # for the tests, which stop the server by this PID
  SERVER_PID=$!
  local _attempt
  for _attempt in $(seq 100); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$2/health" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# lab_unavailable: why this machine cannot make the test hosts of scripts/lab-hosts.sh now
# (its check exits 3 with the reason, or lab hosts are up and their names taken), on stdout;
# fails, printing nothing, where they can be made.
lab_unavailable() {
  local reason status=0
  reason=$("$SCRIPTS/lab-hosts.sh" check 2>&1) || status=$?
  if ((status == 3)); then
    echo "$reason"
  elif ip link show dev sal-br0 >/dev/null 2>&1; then
    echo "lab hosts are up on this machine (sal-br0 exists): make lab-hosts-down first"
  else
    return 1
  fi
}
