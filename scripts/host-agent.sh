#!/usr/bin/env bash
# What the harness runs on a host of its own (SERVER_HOST, DOWNSTREAM_HOST, LOAD_HOSTS), over
# ssh: it starts, watches and stops processes there by their PID, reads that host's /proc,
# and runs a load generator at an agreed instant. scripts/hosts.sh copies it to the host
# (with the built binaries) and calls it; nothing else does. It needs only bash and coreutils.
#
# Usage: host-agent.sh COMMAND [ARGS]
#
#   info                          the host's facts, key=value: hostname, arch, os, kernel,
#                                 cpu_model, cores, cpus (the cores its processes may use),
#                                 boot_id (hosts sharing it are one machine), wrk (its version,
#                                 or none)
#   start DIR NAME -- CMD...      start CMD in the background, detached (its output in
#                                 DIR/NAME.log); prints its PID; DIR/NAME.pid holds it and
#                                 DIR/NAME.exit, once it has ended, how ("0", "signal 9")
#   alive PID                     exit 0 while PID runs
#   sample PID                    one line: CPU ticks (user + system), threads, peak RSS (KiB)
#   watch PID SECONDS             a sample every SECONDS while PID runs, then the line "gone"
#   listens PID PORT              exit 0 if PID holds the socket listening on PORT
#   stop DIR NAME GRACE_MS        SIGTERM, SIGKILL after GRACE_MS; prints how it ended
#   ended DIR NAME                prints how NAME ended (waits up to 2 s for it)
#   load DIR NAME START_NS -- CMD...   wait until START_NS (ns since the epoch), run CMD in
#                                 the foreground (its stdout and stderr are the agent's),
#                                 then print "host-agent: cpu_s=S" on stderr (CMD's CPU
#                                 time); exit with CMD's status
#   stop-all DIR                  stop every process of DIR still running (SIGTERM, then
#                                 SIGKILL): the clean-up after an interrupted run
#
# scripts/lib.sh sources it for pid_alive, proc_sample and pid_listens_on: one copy of each,
# here and on the hosts. Every process it starts is recorded in DIR by PID and start time; it signals a PID only while
# both still match (never a later process given the same PID), and never a process by name.

die() {
  printf 'host-agent (%s): %s\n' "$(hostname 2>/dev/null || echo '?')" "$*" >&2
  exit 1
}

# pid_alive PID: running (not gone, not a zombie waiting to be reaped).
pid_alive() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# started PID: its start time (clock ticks after boot, /proc/PID/stat field 22): with the PID,
# what tells this process from a later one given the same PID.
started() {
  local stat fields
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  read -ra fields <<<"${stat##*) }"
  echo "${fields[19]}"
}

# ours DIR NAME: prints NAME's PID if it is still the process started as NAME (same PID, same
# start time, no exit recorded); fails otherwise.
ours() {
  local pid
  [[ ! -e $1/$2.exit ]] || return 1
  pid=$(cat "$1/$2.pid" 2>/dev/null) || return 1
  pid_alive "$pid" && [[ $(started "$pid") == "$(cat "$1/$2.start" 2>/dev/null)" ]] || return 1
  echo "$pid"
}

# proc_sample PID: sets PROC_CPU_TICKS (user + system), PROC_THREADS and PROC_HWM_KB (peak
# RSS) from /proc, or fails if PID is gone. The harness runs it ten times a second beside a
# measured load, so it sets variables rather than printing: no fork per sample.
proc_sample() {
  local pid=$1 stat fields threads=0 hwm=0 key value _unit
  { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
  read -ra fields <<<"${stat##*) }"
  while read -r key value _unit; do
    case "$key" in
      Threads:) threads=$value ;;
      VmHWM:) hwm=$value ;;
    esac
  done 2>/dev/null <"/proc/$pid/status" || return 1
  # After the ")" of comm: state is field 0, utime 11, stime 12 (stat(5): 3, 14, 15).
  # shellcheck disable=SC2034 # read by the caller
  {
    PROC_CPU_TICKS=$((fields[11] + fields[12]))
    PROC_THREADS=$threads
    PROC_HWM_KB=$hwm
  }
}

# sample PID: proc_sample's figures on one line.
sample() {
  proc_sample "$1" || return 1
  echo "$PROC_CPU_TICKS $PROC_THREADS $PROC_HWM_KB"
}

info() {
  local wrk_version
  wrk_version=$( (wrk -v 2>&1 || true) | head -n 1)
  [[ $wrk_version == wrk* ]] || wrk_version=none
  echo "hostname=$(hostname)"
  echo "arch=$(uname -m)"
  echo "os=$(uname -s)"
  echo "kernel=$(uname -r)"
  echo "cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)"
  echo "cores=$(nproc)"
  # The cores a process started here may use (a CPU set given to the host's sshd is inherited).
  echo "cpus=$(awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/self/status)"
  # The kernel's boot id: hosts that share it are one machine (network namespaces).
  echo "boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)"
  echo "wrk=${wrk_version%% Copyright*}"
}

start() {
  local dir=$1 name=$2
  shift 3
  mkdir -p "$dir"
  rm -f "$dir/$name.pid" "$dir/$name.exit"
  # A wrapper of its own session waits for CMD and writes how it ended; CMD's PID is what
  # the harness watches and stops.
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c '
    dir=$1 name=$2
    shift 2
    "$@" </dev/null >"$dir/$name.log" 2>&1 &
    pid=$!
    read -r stat <"/proc/$pid/stat" && stat=${stat##*) } && read -ra fields <<<"$stat" && echo "${fields[19]}" >"$dir/$name.start"
    echo "$pid" >"$dir/$name.pid.tmp" && mv "$dir/$name.pid.tmp" "$dir/$name.pid"
    status=0
    wait "$pid" || status=$?
    if ((status > 128)); then echo "signal $((status - 128))"; else echo "$status"; fi >"$dir/$name.exit"
  ' host-agent "$dir" "$name" "$@" </dev/null >/dev/null 2>&1 &
  local tries
  for ((tries = 0; tries < 100; tries++)); do
    [[ -s $dir/$name.pid ]] && break
    sleep 0.02
  done
  [[ -s $dir/$name.pid ]] || die "$name did not start"
  cat "$dir/$name.pid"
}

# ended DIR NAME: how it ended, from the wrapper's file (up to 2 s for it to appear).
ended() {
  local tries
  for ((tries = 0; tries < 100; tries++)); do
    [[ -s $1/$2.exit ]] && {
      cat "$1/$2.exit"
      return
    }
    sleep 0.02
  done
  echo unknown
}

stop() {
  local dir=$1 name=$2 grace_ms=$3 pid deadline killed=""
  [[ -e $dir/$name.pid ]] || die "no process $name in $dir"
  if pid=$(ours "$dir" "$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$(($(date +%s%3N) + grace_ms))
    while pid_alive "$pid" && (($(date +%s%3N) < deadline)); do sleep 0.05; done
    if pid_alive "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
      killed=" (killed: no exit within ${grace_ms}ms of SIGTERM)"
    fi
  fi
  echo "$(ended "$dir" "$name")$killed"
}

# pid_listens_on PID PORT: PID holds the socket listening on PORT (so the server answering
# there is the one started, not another's). True where /proc/net/tcp is unreadable.
pid_listens_on() {
  local pid=$1 port=$2 inode fd target inodes
  [[ -r /proc/net/tcp ]] || return 0
  inodes=$(awk -v port=":$(printf '%04X' "$port")" \
    '$4 == "0A" && substr($2, length($2) - 4) == port { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  for inode in $inodes; do
    for fd in /proc/"$pid"/fd/*; do
      target=$(readlink "$fd" 2>/dev/null) || continue
      [[ $target == "socket:[$inode]" ]] && return 0
    done
  done
  return 1
}

load() {
  local dir=$1 name=$2 start_ns=$3 now wait_us pid status=0 hz ticks=0 line fields
  shift 4
  mkdir -p "$dir"
  now=$(date +%s%N)
  if ((start_ns > now)); then
    wait_us=$(((start_ns - now) / 1000))
    sleep "$((wait_us / 1000000)).$(printf '%06d' $((wait_us % 1000000)))"
  fi
  "$@" &
  pid=$!
  started "$pid" >"$dir/$name.start" || true
  echo "$pid" >"$dir/$name.pid"
  # Its CPU time: the last sample before it exits (to within 0.1 s).
  while pid_alive "$pid"; do
    line=$(sample "$pid" 2>/dev/null) && read -ra fields <<<"$line" && ticks=${fields[0]}
    sleep 0.1
  done
  wait "$pid" || status=$?
  if ((status > 128)); then echo "signal $((status - 128))"; else echo "$status"; fi >"$dir/$name.exit"
  hz=$(getconf CLK_TCK)
  printf 'host-agent: cpu_s=%d.%02d\n' $((ticks / hz)) $((ticks % hz * 100 / hz)) >&2
  return "$status"
}

stop_all() {
  local dir=$1 file pid pids=()
  [[ -d $dir ]] || return 0
  for file in "$dir"/*.pid; do
    [[ -e $file ]] || continue
    pid=$(ours "$dir" "$(basename "$file" .pid)") || continue
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  ((${#pids[@]})) || return 0
  sleep 1
  for file in "$dir"/*.pid; do
    pid=$(ours "$dir" "$(basename "$file" .pid)") || continue
    kill -KILL "$pid" 2>/dev/null || true
  done
  echo "stopped ${#pids[@]} process(es) it had started: ${pids[*]}"
}

main() {
  (($#)) || die "a command is needed: info, start, alive, sample, watch, listens, stop, ended, load, stop-all"
  local command=$1
  shift
  case "$command" in
    info) info ;;
    start)
      [[ $# -ge 4 && $3 == -- ]] || die "usage: start DIR NAME -- CMD..."
      start "$@"
      ;;
    alive) pid_alive "$1" ;;
    sample) sample "$1" ;;
    watch)
      while sample "$1"; do sleep "$2"; done
      echo gone
      ;;
    listens) pid_listens_on "$1" "$2" ;;
    stop) stop "$1" "$2" "$3" ;;
    ended) ended "$1" "$2" ;;
    load)
      [[ $# -ge 5 && $4 == -- ]] || die "usage: load DIR NAME START_NS -- CMD..."
      load "$@"
      ;;
    stop-all) stop_all "$1" ;;
    *) die "unknown command '$command'" ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  main "$@"
fi
