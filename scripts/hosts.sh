#!/usr/bin/env bash
# Each role on a host of its own, over ssh: SERVER_HOST (the variant's server), DOWNSTREAM_HOST
# (the real downstream of DOWNSTREAM=http) and LOAD_HOSTS (a comma list of wrk hosts), each an
# ssh destination; unset means this machine, as before. SSH_CONFIG=FILE is passed to ssh as
# -F FILE (make lab-hosts writes one). ssh runs with BatchMode (never a password prompt) and
# one multiplexed connection per host for the whole run.
#
# Before any load, hosts_prepare reaches every host (an unreachable one fails within seconds,
# named, with ssh's error), checks its architecture and OS against the binaries built here,
# its tools (wrk on load hosts) and its clock (refused beyond CLOCK_SKEW_MAX_MS: several load
# hosts start at one agreed instant), then copies the built binaries, wrk-report.lua and
# host-agent.sh to a cache folder named by their content (a second run copies nothing).
# On the host, scripts/host-agent.sh starts, samples and stops processes by their PID.
#
# Sourced by lib.sh, never run. Its globals are read there and in measure-point.sh:
# shellcheck disable=SC2034

SERVER_HOST=${SERVER_HOST:-} DOWNSTREAM_HOST=${DOWNSTREAM_HOST:-} LOAD_HOSTS=${LOAD_HOSTS:-} SSH_CONFIG=${SSH_CONFIG:-}
# Clocks may differ by this much at most (load hosts start at one instant; 100 ms is 1% of a
# 10 s run).
readonly CLOCK_SKEW_MAX_MS=100
# How often a remote server's /proc is read during a point: once a second, the only load the
# harness adds to a server host.
readonly REMOTE_SAMPLE_SECONDS=1
# Load hosts start this long after the instant is agreed, so that every ssh has reached its host.
readonly LOAD_START_MS=1500

HOSTS_ON=no         # yes when any role is on another host
LOAD_HOST_LIST=()   # LOAD_HOSTS, split
HOSTS_DESTS=()      # every distinct destination
HOSTS_TMP=""        # local folder of the ssh control sockets
HOSTS_CACHE=""      # the cache folder on every host (relative to the login's home)
HOSTS_STATE=""      # this run's folder on every host (then the host's name: a home shared by
                    # several hosts keeps each one's apart): pid, exit and log files
HOSTS_META_JSON=""  # meta.json's "hosts" array
HOST_LOST=""        # set when a host stopped answering: the INCOMPLETE note names it
declare -A HOST_ADDRESS=() # destination -> the address the others reach it at
HERE_ADDRESS=""     # this machine's address as the hosts reach it (their ssh's SSH_CONNECTION)
declare -A HOST_DOWN=()
declare -A HOST_THIS_MACHINE=() # destination -> true where it is this machine (same boot id)    # destination -> yes once it stopped answering: never asked again
SSH_BASE=()

# hosts_settings: reads the settings; HOSTS_ON=yes if a role is elsewhere. Dies on a bad one.
hosts_settings() {
  local dest
  LOAD_HOST_LIST=() HOSTS_DESTS=()
  if [[ -n $LOAD_HOSTS ]]; then
    IFS=', ' read -ra LOAD_HOST_LIST <<<"$LOAD_HOSTS"
  fi
  for dest in "$SERVER_HOST" "$DOWNSTREAM_HOST" "${LOAD_HOST_LIST[@]}"; do
    [[ -n $dest ]] || continue
    [[ $dest =~ ^[A-Za-z0-9_.@:%-]+$ ]] || die "'$dest' is not an ssh destination (user@host or a name of your ssh config)"
    [[ " ${HOSTS_DESTS[*]} " == *" $dest "* ]] || HOSTS_DESTS+=("$dest")
  done
  [[ -z $SSH_CONFIG || -r $SSH_CONFIG ]] || die "SSH_CONFIG=$SSH_CONFIG: no such readable file"
  ((${#HOSTS_DESTS[@]})) || return 0
  HOSTS_ON=yes
  [[ $PLACEMENT_MODE != split ]] ||
    die "PLACEMENT=split pins the roles on this machine's cores; with SERVER_HOST, DOWNSTREAM_HOST or LOAD_HOSTS each role has a host of its own: drop PLACEMENT=split (give the hosts CPU sets instead: make lab-hosts CPUS=...)"
  command -v ssh >/dev/null || die "ssh is missing: install openssh-client (apt-get install openssh-client)"
}

# role_dest ROLE: the destination of server, downstream or load (the first load host);
# empty for this machine.
role_dest() {
  [[ $HOSTS_ON == yes ]] || return 0
  case "$1" in
    server) echo "$SERVER_HOST" ;;
    downstream) echo "$DOWNSTREAM_HOST" ;;
    load) echo "${LOAD_HOST_LIST[0]:-}" ;;
  esac
}

# ssh_to DEST ARGS...: ARGS run on DEST (quoted for its shell), through the run's connection.
ssh_to() {
  local dest=$1
  shift
  [[ -z ${HOST_DOWN[$dest]:-} ]] || return 255
  ssh "${SSH_BASE[@]}" "$dest" -- "$(printf '%q ' "$@")"
}

# agent_argv DEST ARGS...: sets AGENT_ARGV to the ssh command of host-agent.sh ARGS on DEST,
# for a process started in the background: its PID is then ssh's own, which a signal ends.
agent_argv() {
  local dest=$1
  shift
  if [[ -n ${HOST_DOWN[$dest]:-} ]]; then
    AGENT_ARGV=(false)
    return
  fi
  AGENT_ARGV=(ssh "${SSH_BASE[@]}" "$dest" -- "$(printf '%q ' bash "$HOSTS_CACHE/host-agent.sh" "$@")")
}

# agent DEST ARGS...: host-agent.sh ARGS on DEST.
agent() {
  local dest=$1
  shift
  ssh_to "$dest" bash "$HOSTS_CACHE/host-agent.sh" "$@"
}

# host_roles DEST: the roles DEST plays, e.g. "server, load".
host_roles() {
  local roles=() dest=$1
  [[ $SERVER_HOST != "$dest" ]] || roles+=(server)
  [[ $DOWNSTREAM_HOST != "$dest" ]] || roles+=(downstream)
  [[ " ${LOAD_HOST_LIST[*]} " != *" $dest "* ]] || roles+=(load)
  local IFS=,
  local text="${roles[*]}"
  echo "${text//,/, }"
}

# hosts_prepare: everything checked and copied before any load (see the header). Sets
# HOSTS_META_JSON for meta.json. Nothing to do when every role is on this machine.
hosts_prepare() {
  hosts_settings
  [[ $HOSTS_ON == yes ]] || return 0
  HOSTS_TMP=$(mktemp -d /tmp/bench-hosts.XXXXXX)
  SSH_BASE=(-o BatchMode=yes -o ConnectTimeout=5 -o ServerAliveInterval=2 -o ServerAliveCountMax=3
    -o ControlMaster=auto -o "ControlPath=$HOSTS_TMP/%C" -o ControlPersist=600)
  [[ -z $SSH_CONFIG ]] || SSH_BASE=(-F "$SSH_CONFIG" "${SSH_BASE[@]}")
  local dest error
  for dest in "${HOSTS_DESTS[@]}"; do
    log "host $dest ($(host_roles "$dest")): connecting"
    error=$(ssh "${SSH_BASE[@]}" "$dest" -- true 2>&1 </dev/null) ||
      die "cannot reach $dest ($(host_roles "$dest") host) over ssh: ${error:-ssh failed} (nothing was run)"
    HOST_ADDRESS[$dest]=$(ssh "${SSH_BASE[@]}" -G "$dest" 2>/dev/null | awk '$1 == "hostname" { print $2; exit }')
  done
  # A role left on this machine (SERVER_HOST or DOWNSTREAM_HOST unset) is reached by the hosts
  # at the address they see this machine's ssh come from: it listens there, not on loopback.
  # shellcheck disable=SC2016 # expanded on the host
  HERE_ADDRESS=$(ssh_to "${HOSTS_DESTS[0]}" sh -c 'echo ${SSH_CONNECTION%% *}' </dev/null) ||
    die "host ${HOSTS_DESTS[0]}: cannot read SSH_CONNECTION"
  hosts_copy
  local arch entries=() key value facts
  arch=$(uname -m)
  for dest in "${HOSTS_DESTS[@]}"; do
    facts=$(agent "$dest" info) || die "host $dest: host-agent.sh info failed"
    local -A fact=()
    while IFS='=' read -r key value; do fact[$key]=$value; done <<<"$facts"
    host_clock "$dest"
    [[ ${fact[os]} == Linux ]] || die "host $dest runs ${fact[os]}: the servers and the harness's sampling need Linux"
    [[ ${fact[arch]} == "$arch" ]] ||
      die "host $dest is ${fact[arch]}, the binaries built here are $arch: build on a machine of its kind, or pick another host"
    if [[ " ${LOAD_HOST_LIST[*]} " == *" $dest "* && ${fact[wrk]} == none ]]; then
      die "load host $dest has no wrk: install it there (apt-get install wrk)"
    fi
    log "host $dest: ${fact[hostname]}, ${fact[cores]} core(s), ${fact[cpu_model]}, clock ${CLOCK_SKEW_MS} ms off (to within ${CLOCK_RTT_MS} / 2 ms)"
    local role own_boot_id same
    own_boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo none)
    same=false
    [[ ${fact[boot_id]} != "$own_boot_id" ]] || same=true
    HOST_THIS_MACHINE[$dest]=$same
    # One entry per role the host plays.
    for role in server downstream load; do
      [[ ", $(host_roles "$dest"), " == *", $role, "* ]] || continue
      entries+=("$(host_entry "$role" "$dest" "${HOST_ADDRESS[$dest]}" "$same" \
        ", \"clock_skew_ms\": $CLOCK_SKEW_MS, \"ssh_round_trip_ms\": $CLOCK_RTT_MS")")
    done
  done
  if [[ -z $SERVER_HOST ]]; then
    # The servers stay on this machine: its entry too, so that the report names every role's.
    facts=$(bash "$REPO_ROOT/scripts/host-agent.sh" info)
    fact=()
    while IFS='=' read -r key value; do fact[$key]=$value; done <<<"$facts"
    entries+=("$(host_entry server "" "$HERE_ADDRESS" true)")
  fi
  HOSTS_META_JSON="[$(
    IFS=,
    echo "${entries[*]}"
  )]"
  HOSTS_STATE="$HOSTS_CACHE/runs/$(date -u +%Y%m%dT%H%M%SZ)-$$"
}

# host_entry ROLE DEST ADDRESS THIS_MACHINE [MORE]: one entry of meta.json's hosts, from the
# caller's fact array (host-agent.sh info); MORE, JSON members of its own.
host_entry() {
  # shellcheck disable=SC2154 # fact is the caller's
  printf '{"role": "%s", "destination": %s, "address": %s, "hostname": %s, "cpu_model": %s, "cores": %s, "cpus": %s, "kernel": %s, "arch": %s, "wrk": %s, "boot_id": %s, "this_machine": %s%s}' \
    "$1" "$(json_string "$2")" "$(json_string "$3")" "$(json_string "${fact[hostname]}")" \
    "$(json_string "${fact[cpu_model]}")" "${fact[cores]}" "$(json_string "${fact[cpus]}")" \
    "$(json_string "${fact[kernel]}")" "$(json_string "${fact[arch]}")" "$(json_string "${fact[wrk]}")" \
    "$(json_string "${fact[boot_id]}")" "$4" "${5:-}"
}

# host_state DEST: the run's folder on DEST.
host_state() {
  echo "$HOSTS_STATE/$1"
}

# host_clock DEST: DEST's clock against this machine's, read three times through the open
# connection, keeping the read with the shortest round trip (the offset is known to within half
# of it); sets CLOCK_SKEW_MS and CLOCK_RTT_MS; dies where the clocks differ by more than
# CLOCK_SKEW_MAX_MS beyond that uncertainty.
host_clock() {
  local dest=$1 try before after remote rtt best_rtt="" skew
  for try in 1 2 3; do
    before=$(date +%s%N)
    remote=$(ssh_to "$dest" date +%s%N </dev/null) || die "host $dest: date failed"
    after=$(date +%s%N)
    rtt=$(((after - before) / 1000000))
    if [[ -z $best_rtt ]] || ((rtt < best_rtt)); then
      best_rtt=$rtt skew=$(((remote - (before + after) / 2) / 1000000))
    fi
  done
  CLOCK_SKEW_MS=$skew CLOCK_RTT_MS=$best_rtt
  ((${skew#-} <= CLOCK_SKEW_MAX_MS + best_rtt / 2)) ||
    die "host $dest's clock is ${skew} ms off this machine's (more than $CLOCK_SKEW_MAX_MS ms): load hosts start at one agreed instant; synchronise the clocks (chrony, systemd-timesyncd)"
}

# hosts_copy: the binaries, wrk-report.lua and host-agent.sh into the cache folder on every
# host, named by the commit and their content; skipped where it is there already.
hosts_copy() {
  local stage files=() name commit digest dest
  for name in sync-server async-server async-blocking-server; do
    [[ -x $BIN_DIR/$name ]] || die "$BIN_DIR/$name not found: run 'make build' first"
    files+=("$BIN_DIR/$name")
  done
  # The open loop's generator too, where this run uses one (latency.sh sets OHA_BIN).
  [[ -z ${OHA_BIN:-} ]] || files+=("$OHA_BIN")
  commit=$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo nocommit)
  digest=$(cat "${files[@]}" "$REPO_ROOT/scripts/wrk-report.lua" "$REPO_ROOT/scripts/host-agent.sh" | sha256sum)
  HOSTS_CACHE=".cache/bench-hosts/$commit-${digest:0:12}"
  stage="$HOSTS_TMP/stage"
  mkdir -p "$stage/bin"
  cp "${files[@]}" "$stage/bin/"
  [[ -z ${OHA_BIN:-} ]] || mv "$stage/bin/${OHA_BIN##*/}" "$stage/bin/oha" 2>/dev/null || true
  cp "$REPO_ROOT/scripts/wrk-report.lua" "$REPO_ROOT/scripts/host-agent.sh" "$stage/"
  for dest in "${HOSTS_DESTS[@]}"; do
    if ssh_to "$dest" test -e "$HOSTS_CACHE/.complete" </dev/null; then
      log "host $dest: binaries already in ~/$HOSTS_CACHE"
      continue
    fi
    log "host $dest: copying the binaries to ~/$HOSTS_CACHE"
    tar -C "$stage" -czf - . | ssh_to "$dest" sh -c "mkdir -p '$HOSTS_CACHE' && tar -C '$HOSTS_CACHE' -xzf - && touch '$HOSTS_CACHE/.complete'" ||
      die "host $dest: copying the binaries failed"
  done
}

# remote_command ARGS...: a command of this machine's as it runs on a host: the binaries and
# wrk-report.lua by their place in the cache.
remote_command() {
  local arg
  REMOTE_COMMAND=()
  for arg in "$@"; do
    case "$arg" in
      "$BIN_DIR"/*) REMOTE_COMMAND+=("$HOSTS_CACHE/bin/${arg#"$BIN_DIR"/}") ;;
      "${OHA_BIN:-/no oha}") REMOTE_COMMAND+=("$HOSTS_CACHE/bin/oha") ;;
      "$REPO_ROOT/scripts/wrk-report.lua") REMOTE_COMMAND+=("$HOSTS_CACHE/wrk-report.lua") ;;
      "$REPO_ROOT"/*) die "'$arg' is not on the hosts (only the Rust servers and wrk-report.lua are copied)" ;;
      *) REMOTE_COMMAND+=("$arg") ;;
    esac
  done
}

# host_lost DEST WHAT: a host stopped answering; the run stops, INCOMPLETE naming it.
host_lost() {
  HOST_LOST="host $1 ($(host_roles "$1")) stopped answering over ssh"
  die "$HOST_LOST, during $2"
}

# host_answers DEST: DEST answers a new ssh connection (not the run's, which may hang on a
# host that has gone) within 3 s; one that does not is marked down and never asked again.
host_answers() {
  [[ -z ${HOST_DOWN[$1]:-} ]] || return 1
  ssh "${SSH_BASE[@]}" -o ControlPath=none -o ConnectTimeout=3 "$1" -- true </dev/null >/dev/null 2>&1 && return 0
  HOST_DOWN[$1]=yes
  return 1
}

# hosts_reachable [ROLE...]: the hosts of ROLEs (default: every host) still answer (after a
# failed point, or a role's process that seems gone); dies naming one that does not.
hosts_reachable() {
  [[ $HOSTS_ON == yes ]] || return 0
  local dest dests=("${HOSTS_DESTS[@]}") role
  if (($#)); then
    dests=()
    for role in "$@"; do dests+=("$(role_dest "$role")"); done
  fi
  for dest in "${dests[@]}"; do
    [[ -z $dest ]] || host_answers "$dest" || host_lost "$dest" "${CURRENT_POINT:-the run}"
  done
}

# hosts_cleanup: for EXIT traps. Stops whatever the run started on every host (by PID, from
# the run's folder there), then closes the ssh connections.
hosts_cleanup() {
  [[ $HOSTS_ON == yes && -n $HOSTS_TMP ]] || return 0
  local dest said
  for dest in "${HOSTS_DESTS[@]}"; do
    if [[ -n ${HOST_DOWN[$dest]:-} ]]; then
      warn "host $dest stopped answering: what the run started there may still run (its folder there: ~/$(host_state "$dest"))"
      continue
    fi
    if [[ -n $HOSTS_STATE ]]; then
      said=$(agent "$dest" stop-all "$(host_state "$dest")" </dev/null 2>&1) ||
        warn "host $dest: could not check that nothing is left running there: $said"
      [[ -z $said ]] || log "host $dest: $said"
    fi
    ssh "${SSH_BASE[@]}" -O exit "$dest" >/dev/null 2>&1 || true
  done
  rm -rf "$HOSTS_TMP"
  HOSTS_TMP=""
}

# ---------------------------------------------------------------------------------------
# A role's process, wherever it runs. ROLE is server or downstream; NAME names its files on
# the host (unique in the run); locally, PID is the child's PID, as lib.sh's functions use.

# role_start ROLE NAME LOG CMD...: starts CMD for ROLE (its output in LOG here, or on the host
# until role_fetch_log); sets STARTED_PID.
role_start() {
  local role=$1 name=$2 log_file=$3 dest
  shift 3
  dest=$(role_dest "$role")
  if [[ -z $dest ]]; then
    # taskset (PLACEMENT=split) execs the server: $! is the server's PID all the same.
    "${SERVER_PIN[@]}" "$@" >"$log_file" 2>&1 9>&- &
    STARTED_PID=$!
    track_pid "$STARTED_PID"
    return 0
  fi
  remote_command "$@"
  STARTED_PID=$(agent "$dest" start "$(host_state "$dest")" "$name" -- "${REMOTE_COMMAND[@]}" </dev/null) ||
    host_lost "$dest" "the start of $name"
}

# role_alive ROLE PID: it runs.
role_alive() {
  local dest
  dest=$(role_dest "$1")
  if [[ -z $dest ]]; then pid_alive "$2"; else agent "$dest" alive "$2" </dev/null; fi
}

# role_reap ROLE PID NAME: it has exited; sets ENDED (as reap does).
role_reap() {
  local dest
  dest=$(role_dest "$1")
  if [[ -z $dest ]]; then
    reap "$2"
  else
    ENDED=$(agent "$dest" ended "$(host_state "$dest")" "$3" </dev/null) || ENDED="unknown (host $dest did not answer)"
  fi
}

# role_stop ROLE PID NAME GRACE_MS: SIGTERM, SIGKILL after GRACE_MS; sets ENDED (as stop_pid).
role_stop() {
  local dest
  dest=$(role_dest "$1")
  if [[ -z $dest ]]; then
    stop_pid "$2" "$4"
  else
    ENDED=$(agent "$dest" stop "$(host_state "$dest")" "$3" "$4" </dev/null) || ENDED="unknown (host $dest did not answer)"
  fi
}

# role_listens ROLE PID PORT: PID holds the socket listening on PORT.
role_listens() {
  local dest
  dest=$(role_dest "$1")
  if [[ -z $dest ]]; then pid_listens_on "$2" "$3"; else agent "$dest" listens "$2" "$3" </dev/null; fi
}

# role_sample ROLE PID: sets PROC_CPU_TICKS, PROC_THREADS, PROC_HWM_KB (as proc_sample).
role_sample() {
  local dest line
  dest=$(role_dest "$1")
  [[ -n $dest ]] || {
    proc_sample "$2"
    return
  }
  line=$(agent "$dest" sample "$2" </dev/null) || return 1
  read -r PROC_CPU_TICKS PROC_THREADS PROC_HWM_KB <<<"$line"
}

# role_fetch_log ROLE NAME FILE: the host's log of NAME into FILE (nothing for this machine's).
role_fetch_log() {
  local dest
  dest=$(role_dest "$1")
  [[ -n $dest ]] || return 0
  ssh_to "$dest" cat "$(host_state "$dest")/$2.log" </dev/null >"$3" 2>/dev/null || warn "could not bring $2's log back from $dest"
}

# role_watch ROLE PID FILE: for a role on a host, a sample a second into FILE until PID
# ends (then "gone"); sets WATCH_PID (the local ssh, which ends with it), or empty here.
role_watch() {
  local dest
  WATCH_PID=""
  dest=$(role_dest "$1")
  [[ -n $dest ]] || return 0
  agent_argv "$dest" watch "$2" "$REMOTE_SAMPLE_SECONDS"
  "${AGENT_ARGV[@]}" </dev/null >"$3" 2>&1 9>&- &
  WATCH_PID=$!
  track_pid "$WATCH_PID"
}

# watch_summary FILE: sets WATCH_THREADS_MAX from a role_watch file (its samples' most threads).
watch_summary() {
  local ticks threads _hwm
  WATCH_THREADS_MAX=0
  while read -r ticks threads _hwm; do
    [[ $ticks =~ ^[0-9]+$ ]] || continue
    ((threads <= WATCH_THREADS_MAX)) || WATCH_THREADS_MAX=$threads
  done <"$1"
}

# role_address ROLE HOST: where ROLE listens (ROLE_LISTEN, for --addr) and is reached
# (ROLE_REACH, for URLs): HOST on this machine; on a host of its own, the address ssh reaches
# it at (its HostName), listened on as is where it is an IP address, else on every interface.
role_address() {
  local dest
  dest=$(role_dest "$1")
  ROLE_LISTEN=$2 ROLE_REACH=$2
  if [[ -z $dest ]]; then
    # Here, but loaded (or called) from other hosts: where they reach this machine.
    [[ $HOSTS_ON != yes || -z $HERE_ADDRESS ]] || ROLE_LISTEN=$HERE_ADDRESS ROLE_REACH=$HERE_ADDRESS
    return 0
  fi
  ROLE_REACH=${HOST_ADDRESS[$dest]}
  if [[ $ROLE_REACH =~ ^[0-9.]+$ ]]; then ROLE_LISTEN=$ROLE_REACH; else ROLE_LISTEN=0.0.0.0; fi
}

# role_where ROLE: " on DEST" for a role on a host of its own, else nothing (for messages).
role_where() {
  local dest
  dest=$(role_dest "$1")
  [[ -z $dest ]] || echo " on $dest"
}

# ---------------------------------------------------------------------------------------
# The load on LOAD_HOSTS: wrk's connections and threads split across them, all started at one
# agreed instant; each host's raw log kept, and their merge (bench-report merge-wrk, through
# an HDR histogram of each host's full distribution) as the point's log.

# remote_load_start OUT COMMAND ARGS...: wrk on the load hosts (one connection: the first host
# alone), or another generator (oha) on the first; sets LOAD_PIDS (the local ssh of each),
# LOAD_DESTS, LOAD_NAMES and LOAD_OUTS.
remote_load_start() {
  local out=$1 generator=$2 arg threads=1 connections=1 rest=()
  shift 2
  if [[ $generator != wrk ]]; then
    remote_command "$generator" "$@"
    LOAD_PIDS=() LOAD_DESTS=("${LOAD_HOST_LIST[0]}") LOAD_OUTS=("$out") LOAD_MERGE=no
    LOAD_NAMES=("${POINT_DIR##*/}-$(basename "$out" | tr . -)-${LOAD_HOST_LIST[0]}")
    agent_argv "${LOAD_HOST_LIST[0]}" load "$(host_state "${LOAD_HOST_LIST[0]}")" "${LOAD_NAMES[0]}" 0 -- "${REMOTE_COMMAND[@]}"
    "${AGENT_ARGV[@]}" </dev/null >"$out" 2>"$out.stderr" 9>&- &
    LOAD_PIDS+=("$!")
    track_pid "$!"
    return 0
  fi
  for arg in "$@"; do
    case "$arg" in
      -t[0-9]*) threads=${arg#-t} ;;
      -c[0-9]*) connections=${arg#-c} ;;
      *) rest+=("$arg") ;;
    esac
  done
  local targets=("${LOAD_HOST_LIST[@]}")
  ((connections > 1)) || targets=("${LOAD_HOST_LIST[0]}")
  ((${#targets[@]} <= connections)) || targets=("${targets[@]:0:connections}")
  local count=${#targets[@]} index start_ns share_c share_t name file histogram
  start_ns=$(($(date +%s%N) + LOAD_START_MS * 1000000))
  LOAD_PIDS=() LOAD_DESTS=() LOAD_NAMES=() LOAD_OUTS=() LOAD_MERGE=no
  # Only a measured run (with wrk-report.lua's JSON line) is merged; a warm-up is not read.
  [[ " ${rest[*]} " != *"/wrk-report.lua "* ]] || LOAD_MERGE=yes
  remote_command "${rest[@]}"
  for index in "${!targets[@]}"; do
    # The first hosts take one connection more where they do not divide evenly; each host's
    # threads divide its connections (wrk gives each thread connections / threads).
    share_c=$((connections / count + (index < connections % count ? 1 : 0)))
    share_t=$((threads / count))
    ((share_t >= 1)) || share_t=1
    ((share_t <= share_c)) || share_t=$share_c
    while ((share_c % share_t != 0)); do share_t=$((share_t - 1)); done
    name="${POINT_DIR##*/}-$(basename "$out" .txt)-${targets[index]}"
    file=$out
    ((count == 1)) || file="${out%.txt}-${targets[index]}.txt"
    # The whole distribution only where it is merged: wrk takes a while to write it.
    histogram=()
    ((count == 1)) || [[ $LOAD_MERGE != yes ]] || histogram=(env WRK_HISTOGRAM_FILE="$(host_state "${targets[index]}")/$name.hist")
    agent_argv "${targets[index]}" load "$(host_state "${targets[index]}")" "$name" "$start_ns" -- \
      "${histogram[@]}" wrk -t"$share_t" -c"$share_c" "${REMOTE_COMMAND[@]}"
    "${AGENT_ARGV[@]}" </dev/null >"$file" 2>"$file.stderr" 9>&- &
    LOAD_PIDS+=("$!") LOAD_DESTS+=("${targets[index]}") LOAD_NAMES+=("$name") LOAD_OUTS+=("$file")
    track_pid "$!"
  done
}

# remote_load_finish OUT: each host's CPU (host-agent's last stderr line) into WRK_CPU_TICKS;
# with several hosts and a measured run, their histograms brought back and merged into OUT
# (bench-report merge-wrk appends the merge's figures to the point's numbers.txt itself).
remote_load_finish() {
  local out=$1 index file cpu hz ticks=0 line merged=()
  hz=$(getconf CLK_TCK)
  for index in "${!LOAD_OUTS[@]}"; do
    file=${LOAD_OUTS[index]}
    cpu=""
    if [[ -s $file.stderr ]]; then
      line=$(grep -m1 '^host-agent: cpu_s=' "$file.stderr" || true)
      cpu=${line#host-agent: cpu_s=}
      sed -i '/^host-agent: cpu_s=/d' "$file.stderr"
      [[ -s $file.stderr ]] || rm -f "$file.stderr"
    fi
    if [[ $cpu =~ ^([0-9]+)\.([0-9]{2})$ ]]; then
      ticks=$((ticks + 10#${BASH_REMATCH[1]} * hz + 10#${BASH_REMATCH[2]} * hz / 100))
    fi
    merged+=("${LOAD_DESTS[index]}=$file")
  done
  WRK_CPU_TICKS=$ticks
  ((${#LOAD_OUTS[@]} > 1)) && [[ $LOAD_MERGE == yes ]] || return 0
  for index in "${!LOAD_OUTS[@]}"; do
    file=${LOAD_OUTS[index]}
    cat "$file.stderr" >>"$out.stderr" 2>/dev/null || true
    ssh_to "${LOAD_DESTS[index]}" cat "$(host_state "${LOAD_DESTS[index]}")/${LOAD_NAMES[index]}.hist" </dev/null >"${file%.txt}.hist" 2>/dev/null || rm -f "${file%.txt}.hist"
  done
  [[ $WRK_EXIT == 0 ]] || return 0
  local error
  if ! error=$("$REPORT" merge-wrk --out "$out" --numbers "$POINT_DIR/numbers.txt" "${merged[@]}" 2>&1); then
    WRK_EXIT="merge failed: $error"
  fi
}

# Which scripts run roles on other hosts: bench.sh, sweep.sh and latency.sh set
# HOSTS_SUPPORTED=yes.
HOSTS_SUPPORTED=${HOSTS_SUPPORTED:-no}

# hosts_refuse: for the scripts that run everything on this machine, a clear refusal when a
# host setting is given.
hosts_refuse() {
  hosts_settings
  [[ $HOSTS_ON == no ]] ||
    die "SERVER_HOST, DOWNSTREAM_HOST and LOAD_HOSTS are for make bench, sweep and latency; this run ($(basename "$0")) runs everything on this machine: unset them"
}

# server_here: the server runs on this machine (here, or on a host that is this machine: a
# network namespace), so this machine's /proc/stat counts its CPU.
server_here() {
  [[ -z $(role_dest server) || ${HOST_THIS_MACHINE[$SERVER_HOST]:-false} == true ]]
}
