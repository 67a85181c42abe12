#!/usr/bin/env bash
# The machine's limits against what a point of many connections needs: read them, raise the
# soft ones to the hard ones (saying so), and decide, before any load, whether a point fits.
#
# Sourced after lib.sh, never run. read_machine_limits reads the limits into MACHINE_* from
# ulimit and from the files under LIMITS_PROC (default /proc: tests point it at a fake tree);
# point_needs and check_point_limits read only MACHINE_* and their arguments, so a test can
# give them any machine it likes. What a variant needs per connection is declared in
# variants.table (columns fds to backlog); the report measures it.

LIMITS_PROC=${LIMITS_PROC:-/proc}

# Descriptors a process holds beside its connections (stdio, the listener, epoll, logs).
readonly SPARE_FILES=64
# A server's threads beside those it starts per connection (main, runtime, reaper, pool).
readonly SERVER_BASE_THREADS=16
# A server's and wrk's memory beside their connections, KiB.
readonly BASE_KIB=65536
# wrk's memory per connection (its read buffer, parser, request), KiB.
readonly WRK_KIB_PER_CONNECTION=16
# The kernel's two sockets of each loopback connection (socket structures, data in flight), KiB.
readonly SOCKET_KIB_PER_CONNECTION=16
# The machine is shared: a point may bring its tasks (threads) to at most this share of
# kernel.pid_max and kernel.threads-max, its open files to this share of fs.file-max...
readonly TASKS_SHARE_PCT=80
readonly FILES_SHARE_PCT=80
# ...and may take at most this share of the memory available (MemAvailable).
readonly MEMORY_SHARE_PCT=50

# limit_value TEXT: a ulimit figure as a number, or empty for "unlimited".
limit_value() { [[ $1 == unlimited ]] || echo "$1"; }

# raise_soft_limits: the soft limits on open files (ulimit -n) and processes (ulimit -u) up to
# the hard ones, each change said on stderr; a limit that cannot be raised is named.
raise_soft_limits() {
  local flag what soft hard
  for flag in n u; do
    [[ $flag == n ]] && what="open files (ulimit -n)" || what="processes and threads (ulimit -u)"
    soft=$(ulimit -S"$flag")
    hard=$(ulimit -H"$flag")
    if [[ $soft == "$hard" ]]; then
      log "limit: $what: $soft, already the hard limit"
    elif ulimit -S"$flag" "$hard" 2>/dev/null; then
      log "limit: raised the soft limit on $what from $soft to $hard (the hard limit)"
    else
      warn "could not raise the soft limit on $what from $soft to $hard"
    fi
  done
}

# read_machine_limits: MACHINE_NOFILE (soft, what the server and wrk inherit) and
# MACHINE_NOFILE_HARD, MACHINE_NPROC (empty: unlimited), MACHINE_PID_MAX, MACHINE_THREADS_MAX,
# MACHINE_TASKS (every task running now, from loadavg), MACHINE_FILE_MAX, MACHINE_FILES_OPEN,
# MACHINE_MEM_AVAILABLE_KB, MACHINE_SOMAXCONN, MACHINE_PORT_LOW and MACHINE_PORT_HIGH.
read_machine_limits() {
  local sys=$LIMITS_PROC/sys _load _unused key value _unit
  MACHINE_NOFILE=$(limit_value "$(ulimit -Sn)")
  MACHINE_NOFILE_HARD=$(limit_value "$(ulimit -Hn)")
  MACHINE_NPROC=$(limit_value "$(ulimit -Su)")
  read -r MACHINE_PID_MAX <"$sys/kernel/pid_max"
  read -r MACHINE_THREADS_MAX <"$sys/kernel/threads-max"
  read -r MACHINE_FILE_MAX <"$sys/fs/file-max"
  read -r MACHINE_FILES_OPEN _unused <"$sys/fs/file-nr"
  read -r MACHINE_SOMAXCONN <"$sys/net/core/somaxconn"
  read -r MACHINE_PORT_LOW MACHINE_PORT_HIGH <"$sys/net/ipv4/ip_local_port_range"
  # loadavg's fourth field is running/total scheduling entities: every thread on the machine.
  read -r _load _load _load MACHINE_TASKS _unused <"$LIMITS_PROC/loadavg"
  MACHINE_TASKS=${MACHINE_TASKS#*/}
  MACHINE_MEM_AVAILABLE_KB=""
  while read -r key value _unit; do
    [[ $key == MemAvailable: ]] && MACHINE_MEM_AVAILABLE_KB=$value
  done <"$LIMITS_PROC/meminfo"
  [[ -n $MACHINE_MEM_AVAILABLE_KB ]] || die "no MemAvailable in $LIMITS_PROC/meminfo"
}

# machine_limits_text: the limits in one line, for the log and meta.json.
machine_limits_text() {
  printf 'open files %s (hard %s); processes %s; pid_max %s; threads-max %s; tasks running %s; file-max %s (open %s); MemAvailable %s MiB; somaxconn %s; local ports %s-%s' \
    "${MACHINE_NOFILE:-unlimited}" "${MACHINE_NOFILE_HARD:-unlimited}" "${MACHINE_NPROC:-unlimited}" \
    "$MACHINE_PID_MAX" "$MACHINE_THREADS_MAX" "$MACHINE_TASKS" "$MACHINE_FILE_MAX" "$MACHINE_FILES_OPEN" \
    "$((MACHINE_MEM_AVAILABLE_KB / 1024))" "$MACHINE_SOMAXCONN" "$MACHINE_PORT_LOW" "$MACHINE_PORT_HIGH"
}

# point_needs VARIANT CONNECTIONS WRK_THREADS: what one point needs, from the variant's row of
# variants.table (or the costliest row's figures, said in NEED_ASSUMED, for a variant
# without one). Sets NEED_SERVER_FILES, NEED_WRK_FILES, NEED_TASKS (threads of the server and
# wrk), NEED_MEMORY_KIB, NEED_PORTS, NEED_BACKLOG (the accept backlog the server gets).
# shellcheck disable=SC2034 # NEED_ASSUMED and NEED_BACKLOG are read by the callers
point_needs() {
  local variant=$1 connections=$2 wrk_threads=$3 server_threads
  NEED_ASSUMED=""
  if ! connection_cost "$variant"; then
    COST_FDS=2 COST_THREADS=1 COST_THREAD_CAP="" COST_KIB=64 COST_BACKLOG=128
    NEED_ASSUMED="$variant has no row in variants.table: assumed 2 descriptors, 1 thread and 64 KiB per connection"
  fi
  server_threads=$((connections * COST_THREADS))
  [[ -z $COST_THREAD_CAP ]] || ((server_threads <= COST_THREAD_CAP)) || server_threads=$COST_THREAD_CAP
  NEED_SERVER_FILES=$((connections * COST_FDS + SPARE_FILES))
  NEED_WRK_FILES=$((connections + SPARE_FILES))
  NEED_TASKS=$((SERVER_BASE_THREADS + server_threads + wrk_threads + 1))
  NEED_MEMORY_KIB=$((BASE_KIB + connections * (COST_KIB + WRK_KIB_PER_CONNECTION + SOCKET_KIB_PER_CONNECTION)))
  # Each of wrk's connections to one server takes a local port of its own from the range.
  NEED_PORTS=$connections
  NEED_BACKLOG=$((COST_BACKLOG < MACHINE_SOMAXCONN ? COST_BACKLOG : MACHINE_SOMAXCONN))
}

# check_point_limits VARIANT CONNECTIONS WRK_THREADS: 0 if the point fits this machine (as
# MACHINE_* describe it); otherwise 1, with the first limit it exceeds in LIMIT_NAME (a key:
# server_open_files, wrk_open_files, system_open_files, pid_max, threads_max, user_processes,
# memory, local_ports), LIMIT_NEEDED and LIMIT_ALLOWED (figures of the same unit: files,
# tasks, MiB, ports) and LIMIT_TEXT (a sentence: the limit, the figure it would need, and how
# to get there).
check_point_limits() {
  local connections=$2 tasks_after
  point_needs "$@"
  LIMIT_NAME="" LIMIT_NEEDED="" LIMIT_ALLOWED="" LIMIT_TEXT=""
  tasks_after=$((MACHINE_TASKS + NEED_TASKS))
  if [[ -n $MACHINE_NOFILE ]] && ((NEED_SERVER_FILES > MACHINE_NOFILE)); then
    limit_exceeded server_open_files "$NEED_SERVER_FILES" "$MACHINE_NOFILE" \
      "the server needs $NEED_SERVER_FILES open files ($COST_FDS per connection + $SPARE_FILES) but may open $MACHINE_NOFILE (ulimit -n, hard limit ${MACHINE_NOFILE_HARD:-unlimited}): raise the hard limit to at least $NEED_SERVER_FILES to measure it"
  elif [[ -n $MACHINE_NOFILE ]] && ((NEED_WRK_FILES > MACHINE_NOFILE)); then
    limit_exceeded wrk_open_files "$NEED_WRK_FILES" "$MACHINE_NOFILE" \
      "wrk needs $NEED_WRK_FILES open files (1 per connection + $SPARE_FILES) but may open $MACHINE_NOFILE (ulimit -n, hard limit ${MACHINE_NOFILE_HARD:-unlimited}): raise the hard limit to at least $NEED_WRK_FILES to measure it"
  elif ((MACHINE_FILES_OPEN + NEED_SERVER_FILES + NEED_WRK_FILES > MACHINE_FILE_MAX * FILES_SHARE_PCT / 100)); then
    limit_exceeded system_open_files "$((MACHINE_FILES_OPEN + NEED_SERVER_FILES + NEED_WRK_FILES))" "$((MACHINE_FILE_MAX * FILES_SHARE_PCT / 100))" \
      "the machine would have $((MACHINE_FILES_OPEN + NEED_SERVER_FILES + NEED_WRK_FILES)) files open ($MACHINE_FILES_OPEN now + $NEED_SERVER_FILES for the server + $NEED_WRK_FILES for wrk), above $FILES_SHARE_PCT% of fs.file-max $MACHINE_FILE_MAX"
  elif ((tasks_after > MACHINE_PID_MAX * TASKS_SHARE_PCT / 100)); then
    limit_exceeded pid_max "$tasks_after" "$((MACHINE_PID_MAX * TASKS_SHARE_PCT / 100))" \
      "the machine would run $tasks_after tasks ($MACHINE_TASKS now + $NEED_TASKS threads of the server and wrk), above $TASKS_SHARE_PCT% of kernel.pid_max $MACHINE_PID_MAX (every thread takes a PID; the rest is left to the machine's other users)"
  elif ((tasks_after > MACHINE_THREADS_MAX * TASKS_SHARE_PCT / 100)); then
    limit_exceeded threads_max "$tasks_after" "$((MACHINE_THREADS_MAX * TASKS_SHARE_PCT / 100))" \
      "the machine would run $tasks_after threads ($MACHINE_TASKS now + $NEED_TASKS of the server and wrk), above $TASKS_SHARE_PCT% of kernel.threads-max $MACHINE_THREADS_MAX"
  elif [[ -n $MACHINE_NPROC ]] && ((tasks_after > MACHINE_NPROC)); then
    limit_exceeded user_processes "$tasks_after" "$MACHINE_NPROC" \
      "up to $tasks_after tasks would run as this user ($MACHINE_TASKS on the machine now + $NEED_TASKS threads of the server and wrk), above ulimit -u $MACHINE_NPROC: raise it to at least $tasks_after to measure it"
  elif ((NEED_MEMORY_KIB > MACHINE_MEM_AVAILABLE_KB * MEMORY_SHARE_PCT / 100)); then
    limit_exceeded memory "$((NEED_MEMORY_KIB / 1024))" "$((MACHINE_MEM_AVAILABLE_KB * MEMORY_SHARE_PCT / 100 / 1024))" \
      "the point may take up to $((NEED_MEMORY_KIB / 1024)) MiB ($COST_KIB KiB per connection in the server, $WRK_KIB_PER_CONNECTION in wrk, $SOCKET_KIB_PER_CONNECTION in the kernel, + $((BASE_KIB / 1024)) MiB), above $MEMORY_SHARE_PCT% of the $((MACHINE_MEM_AVAILABLE_KB / 1024)) MiB available"
  elif ((NEED_PORTS > MACHINE_PORT_HIGH - MACHINE_PORT_LOW + 1)); then
    limit_exceeded local_ports "$NEED_PORTS" "$((MACHINE_PORT_HIGH - MACHINE_PORT_LOW + 1))" \
      "wrk needs $NEED_PORTS local ports (one per connection to the same server) but net.ipv4.ip_local_port_range $MACHINE_PORT_LOW-$MACHINE_PORT_HIGH holds $((MACHINE_PORT_HIGH - MACHINE_PORT_LOW + 1))"
  else
    return 0
  fi
  return 1
}

# limit_exceeded NAME NEEDED ALLOWED TEXT: sets the LIMIT_* of check_point_limits.
# shellcheck disable=SC2034 # read by the callers of check_point_limits
limit_exceeded() {
  LIMIT_NAME=$1 LIMIT_NEEDED=$2 LIMIT_ALLOWED=$3 LIMIT_TEXT=$4
}

# port_in_local_range PORT: PORT is one wrk's connections may take as their own local port;
# one left in TIME_WAIT by an earlier point keeps a server from binding it.
port_in_local_range() { (($1 >= MACHINE_PORT_LOW && $1 <= MACHINE_PORT_HIGH)); }
