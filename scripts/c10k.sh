#!/usr/bin/env bash
# The C10k sweep: what one connection costs each architecture (memory, threads, descriptors)
# and where each one breaks, from 1,000 to 10,000 connections, with the machine's limits
# checked before any load.
#
# Usage: scripts/c10k.sh [options]
#
#   --variants "A B"          variants (default: sync-server async-server async-blocking-server
#                             async-blocking-offload; the Python baselines when named)
#   --connections-list "..."  connections (default: 1000 2000 5000 10000)
#   --delay-ms N              the servers' wait per request (default 10); 1 worker each
#   --threads N               wrk threads, never above the connections (default 4)
#   --duration D              measured wrk time per point, the opening of the connections
#                             included (default 8s)
#   --primer D                unloaded latency per point, wrk -t1 -c1 (default 1s)
#   --timeout D               wrk --timeout (default 10s: above --duration, so no answered
#                             request is dropped from the latencies)
#   --quick                   CI: sync-server and async-server at 2000 connections, 1s each
#   --dry-run                 print the plan (each point's needs against this machine's
#                             limits, and the time it should take) and stop
#   --results-dir DIR         where run folders go (default results)
#   --host HOST               where variants listen (default 127.0.0.1)
#   --base-port N             variants listen on N, N+2, N+4, ... (default: their own ports)
#   -h, --help                this text
#
# Before any load the soft limits on open files and processes are raised to the hard ones
# (said in the log), and each point's needs (scripts/limits.sh: descriptors of the server and
# of wrk, threads, memory, local ports; the accept backlog it will get) are compared with what
# the machine allows, again just before the point runs. A point that does not fit is skipped
# and recorded with the limit that stopped it and the figure it would need. Each point is a
# fresh server, the checks of measure_point, the primer, then the measured run (no warm-up:
# opening the connections is part of what is measured), counting the server's descriptors
# (a glob of /proc/PID/fd, no fork) every 0.1 s, or as often as a tenth of a core allows at
# ~3 µs per descriptor, until it holds every connection, then every second. A port inside net.ipv4.ip_local_port_range can be taken by an earlier point's
# connections (TIME_WAIT); Linux gives connect() even ports first, so an odd --base-port keeps
# every server on an odd port. Results: results/<run-id>/ as for make sweep, meta.json kind
# "c10k"; bench-report writes summary.md (what a connection costs), summary.csv, c10k.csv and
# charts/.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
# shellcheck disable=SC2034 # read by parse_options (lib.sh)
USAGE_FILE="${BASH_SOURCE[0]}"
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"
# shellcheck source=measure-point.sh
source "$SCRIPT_DIR/measure-point.sh"
# shellcheck source=limits.sh
source "$SCRIPT_DIR/limits.sh"

readonly C10K_VARIANTS="sync-server async-server async-blocking-server async-blocking-offload"
readonly QUICK_VARIANTS="sync-server async-server"
# Per point beyond the wrk runs: start, /health, the checks, the stop of a server whose
# waits overlap.
readonly POINT_OVERHEAD_MS=1500
# Counting a server's descriptors costs time in proportion to them, on the cores the load
# runs on: the kernel lists each, bash globs it (19,005 counted in 59 ms on the reference
# machine: ~3 µs apiece). So after a count of N descriptors the next waits at least
# N x FD_COUNT_US x 100 / FD_COUNT_BUDGET_PCT (the counting then takes about that share of one
# core: every 0.1 s sample up to ~3,000 descriptors, every 0.3 s at 10,000), and once the
# server holds every connection, at least FD_INTERVAL_AFTER_OPEN_US (the count is then only
# for the peak). The interval follows the count, not the clock, so a busy machine does not
# thin the samples out.
readonly FD_COUNT_US=3
readonly FD_COUNT_BUDGET_PCT=10
readonly FD_INTERVAL_AFTER_OPEN_US=1000000

# The points, in the order they run (parallel arrays), and why each that cannot run is skipped.
PLAN_VARIANT=()
PLAN_CONNECTIONS=()
PLAN_PORT=()
PLAN_PREDICTED_MS=()

# plan_line INDEX: one point of the plan, with its needs, or the limit that stops it.
plan_line() {
  local i=$1
  printf '%2d. %-24s c=%-6s' "$((i + 1))" "${PLAN_VARIANT[i]}" "${PLAN_CONNECTIONS[i]}"
  if check_point_limits "${PLAN_VARIANT[i]}" "${PLAN_CONNECTIONS[i]}" "$THREADS"; then
    printf 'files: server %s, wrk %s; tasks %s; memory <= %s MiB; ports %s; accept backlog %s; ~%ss\n' \
      "$NEED_SERVER_FILES" "$NEED_WRK_FILES" "$NEED_TASKS" "$((NEED_MEMORY_KIB / 1024))" "$NEED_PORTS" \
      "$NEED_BACKLOG" "$((PLAN_PREDICTED_MS[i] / 1000))"
  else
    printf 'SKIP (%s): %s\n' "$LIMIT_NAME" "$LIMIT_TEXT"
  fi
  [[ -z $NEED_ASSUMED ]] || printf '    %s\n' "$NEED_ASSUMED"
}

# predicted_ms VARIANT CONNECTIONS: what a point should take, all in: the primer, the measured
# run, the rest, and the drain of a blocked queue at the stop (at most the servers' grace).
predicted_ms() {
  local queue
  queue=$(queue_ms "$1" "$2" "$DELAY_MS" 1)
  echo $(($(duration_ms "$PRIMER") + $(duration_ms "$DURATION") + POINT_OVERHEAD_MS +
    (queue < SERVER_GRACE_MS ? queue : SERVER_GRACE_MS)))
}

# write_skipped DIR INDEX: a point the machine cannot hold, recorded as such (numbers.txt with
# status=skipped, the limit, the figure it would need and the limit's figure).
write_skipped() {
  local dir=$1 i=$2
  mkdir -p "$dir"
  variant_lookup "${PLAN_VARIANT[i]}"
  numbers_append "$dir/numbers.txt" variant="$V_NAME" seq="$((i + 1))" run=1 status=skipped \
    connections="${PLAN_CONNECTIONS[i]}" delay_ms="$DELAY_MS" workers=1 duration="$DURATION" \
    timeout="$TIMEOUT" family="$V_FAMILY" kind="$V_KIND" blocks="$V_BLOCKS" bound_by="$V_BOUND_BY" \
    sweeps=connections fds_per_connection="$COST_FDS" threads_per_connection="$COST_THREADS" \
    thread_cap="$COST_THREAD_CAP" limit="$LIMIT_NAME" limit_needed="$LIMIT_NEEDED" \
    limit_allowed="$LIMIT_ALLOWED" "failure=$LIMIT_TEXT"
}

# count_fds PID: sets FD_COUNT to PID's open descriptors (a glob: no fork); fails if PID is gone.
count_fds() {
  local fds=("/proc/$1/fd/"*)
  [[ -e ${fds[0]} ]] || return 1
  FD_COUNT=${#fds[@]}
}

# c10k_sample WRK_PID: run_wrk's hook during the measured run (each 0.1 s sample). Counts the
# server's descriptors, as often as FD_COUNT_BUDGET_PCT allows, until it holds every
# connection (idle descriptors + connections x its descriptors per connection), then every
# FD_INTERVAL_AFTER_OPEN_US; keeps the most seen, the most connections held, when all were
# first held (and the time since the count before: the resolution), and what counting cost.
c10k_sample() {
  local now_us=${EPOCHREALTIME/./} after_us held wait_us
  [[ -n $POINT_SERVER_PID ]] || return 0
  [[ -n $C10K_STARTED_US ]] || C10K_STARTED_US=$now_us
  ((now_us >= C10K_NEXT_US)) || return 0
  count_fds "$POINT_SERVER_PID" || return 0
  after_us=${EPOCHREALTIME/./}
  C10K_COUNT_US=$((C10K_COUNT_US + after_us - now_us))
  C10K_SAMPLES=$((C10K_SAMPLES + 1))
  wait_us=$((FD_COUNT * FD_COUNT_US * 100 / FD_COUNT_BUDGET_PCT))
  ((FD_COUNT <= C10K_FDS_MAX)) || C10K_FDS_MAX=$FD_COUNT
  held=$(((FD_COUNT - C10K_IDLE_FDS) / COST_FDS))
  ((held <= C10K_HELD_MAX)) || C10K_HELD_MAX=$held
  if [[ -z $C10K_OPEN_US ]] && ((held >= P_CONNECTIONS)); then
    C10K_OPEN_US=$((now_us - C10K_STARTED_US))
    C10K_OPEN_RESOLUTION_US=$((now_us - C10K_PREVIOUS_US))
  fi
  [[ -z $C10K_OPEN_US ]] || ((wait_us >= FD_INTERVAL_AFTER_OPEN_US)) || wait_us=$FD_INTERVAL_AFTER_OPEN_US
  C10K_NEXT_US=$((now_us + wait_us))
  C10K_PREVIOUS_US=$now_us
  return 0
}

# us_as_ms MICROSECONDS: "1234.5"
us_as_ms() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }

# c10k_idle: the fresh server before any request: its descriptors, threads and memory, and
# the accept backlog it really got (ss: Send-Q of a listening socket).
c10k_idle() {
  proc_sample "$POINT_SERVER_PID" && count_fds "$POINT_SERVER_PID" || return 0
  C10K_IDLE_FDS=$FD_COUNT
  record server_idle_fds "$FD_COUNT"
  record server_idle_threads "$PROC_THREADS"
  record server_idle_hwm_kb "$PROC_HWM_KB"
  local port=${POINT_BASE_URL##*:} _state _recv backlog _rest
  if command -v ss >/dev/null && read -r _state _recv backlog _rest < <(ss -Hltn "sport = :$port" 2>/dev/null); then
    record listen_backlog "$backlog"
  fi
}

# stat_ticks: sets STAT_IRQ_TICKS (irq + softirq: the kernel's interrupt work, loopback
# networking mostly, charged to no process) and STAT_STEAL_TICKS (time the hypervisor gave
# this machine's cores to others) from /proc/stat.
stat_ticks() {
  local _cpu _user _nice _system _idle _iowait irq softirq steal _rest
  read -r _cpu _user _nice _system _idle _iowait irq softirq steal _rest </proc/stat
  STAT_IRQ_TICKS=$((irq + softirq)) STAT_STEAL_TICKS=$steal
}

# c10k_measure: point_measure with the descriptor sampler, then its figures into numbers.txt.
c10k_measure() {
  C10K_STARTED_US="" C10K_PREVIOUS_US=0 C10K_NEXT_US=0 C10K_SAMPLES=0 C10K_COUNT_US=0
  C10K_FDS_MAX=0 C10K_HELD_MAX=0 C10K_OPEN_US="" C10K_OPEN_RESOLUTION_US=""
  local own_before="" irq_before steal_before
  proc_sample "$BASHPID" && own_before=$PROC_CPU_TICKS
  stat_ticks
  irq_before=$STAT_IRQ_TICKS steal_before=$STAT_STEAL_TICKS
  WRK_SAMPLE_HOOK=c10k_sample
  point_measure
  WRK_SAMPLE_HOOK=""
  stat_ticks
  record kernel_irq_s "$(ticks_to_seconds $((STAT_IRQ_TICKS - irq_before)))"
  record steal_s "$(ticks_to_seconds $((STAT_STEAL_TICKS - steal_before)))"
  # This shell's own CPU during the run: what sampling /proc and counting descriptors cost.
  [[ -z $own_before ]] || ! proc_sample "$BASHPID" ||
    record harness_cpu_s "$(ticks_to_seconds $((PROC_CPU_TICKS - own_before)))"
  record server_fds_max "$C10K_FDS_MAX"
  record connections_held_max "$C10K_HELD_MAX"
  record fd_samples "$C10K_SAMPLES"
  record fd_count_ms "$(us_as_ms "$C10K_COUNT_US")"
  if [[ -n $C10K_OPEN_US ]]; then
    record open_ms "$(us_as_ms "$C10K_OPEN_US")"
    record open_resolution_ms "$(us_as_ms "$C10K_OPEN_RESOLUTION_US")"
    step "the server held all $P_CONNECTIONS connections $(us_as_ms "$C10K_OPEN_US") ms after wrk started"
  else
    step "the server was never seen holding all $P_CONNECTIONS connections at once (at most $C10K_HELD_MAX)"
  fi
}

# c10k_point ARGS...: measure_point's phases (ARGS as measure_point's), with the costs declared
# for the variant, its idle figures, and the descriptor sampler around the measured run.
c10k_point() {
  point_settings "$@"
  point_needs "$P_VARIANT" "$P_CONNECTIONS" "$P_THREADS"
  record sweeps connections
  record fds_per_connection "$COST_FDS"
  record threads_per_connection "$COST_THREADS"
  record thread_cap "$COST_THREAD_CAP"
  record accept_backlog "$NEED_BACKLOG"
  point_start || return 1
  c10k_idle
  point_check || return 1
  point_unloaded || return 1
  c10k_measure
  point_stop || return 1
}

main() {
  local variants=$C10K_VARIANTS connections_list="1000 2000 5000 10000" quick=no dry_run=no
  local results_dir=results host=127.0.0.1 base_port=""
  THREADS=4 DELAY_MS=10 DURATION=8s PRIMER=1s TIMEOUT=10s
  # shellcheck disable=SC2034 # read by parse_options
  local -A spec=([--variants]=variants [--connections-list]=connections_list [--delay-ms]=DELAY_MS
    [--threads]=THREADS [--duration]=DURATION [--primer]=PRIMER [--timeout]=TIMEOUT
    [--results-dir]=results_dir [--host]=host [--base-port]=base_port [--quick]='!quick' [--dry-run]='!dry_run')
  parse_options spec "$@"
  # --quick changes the defaults only: an explicit setting still wins.
  if [[ $quick == yes ]]; then
    given --variants || variants=$QUICK_VARIANTS
    given --connections-list || connections_list=2000
    given --duration || DURATION=1s
  fi
  readonly THREADS DELAY_MS DURATION PRIMER TIMEOUT

  # Settings first: a typo fails here, before anything starts.
  local number name
  # shellcheck disable=SC2086 # the list is meant to split into its numbers
  require_whole_numbers $connections_list "$DELAY_MS" "$THREADS" ${base_port:+"$base_port"}
  for number in $connections_list "$THREADS"; do
    ((number >= 1)) || die "connections and threads must be at least 1"
  done
  require_durations duration="$DURATION" primer="$PRIMER" timeout="$TIMEOUT"
  local variant_list=()
  read -ra variant_list <<<"$variants"
  ((${#variant_list[@]})) || die "no variants given"
  for name in "${variant_list[@]}"; do
    variant_lookup "$name" || unknown_variant "$name"
  done
  require_report

  raise_soft_limits
  read_machine_limits
  log "machine: $(machine_limits_text)"

  # The plan: variants interleaved at each connection count, so that they meet the machine's
  # other load alike; each variant keeps its port (or BASE_PORT + twice its place in the list).
  local connections index predicted_total=0 port
  for connections in $connections_list; do
    for index in "${!variant_list[@]}"; do
      name=${variant_list[index]}
      variant_lookup "$name"
      port=$V_PORT
      [[ -z $base_port ]] || port=$((base_port + 2 * index))
      PLAN_VARIANT+=("$name")
      PLAN_CONNECTIONS+=("$connections")
      PLAN_PORT+=("$port")
    done
  done
  for index in "${!PLAN_VARIANT[@]}"; do
    if check_point_limits "${PLAN_VARIANT[index]}" "${PLAN_CONNECTIONS[index]}" "$THREADS"; then
      PLAN_PREDICTED_MS[index]=$(predicted_ms "${PLAN_VARIANT[index]}" "${PLAN_CONNECTIONS[index]}")
    else
      PLAN_PREDICTED_MS[index]=0
    fi
    predicted_total=$((predicted_total + PLAN_PREDICTED_MS[index]))
  done
  local in_range=()
  for port in $(printf '%s\n' "${PLAN_PORT[@]}" | sort -u); do
    port_in_local_range "$port" && in_range+=("$port")
  done
  ((${#in_range[@]} == 0)) ||
    warn "port(s) ${in_range[*]} lie in net.ipv4.ip_local_port_range ($MACHINE_PORT_LOW-$MACHINE_PORT_HIGH), from which wrk's connections take their own ports: one left in TIME_WAIT by an earlier point keeps a server from binding it (odd ports are safer: Linux gives connect() even ports first)"

  if [[ $dry_run == yes ]]; then
    for index in "${!PLAN_VARIANT[@]}"; do plan_line "$index"; done
    echo "${#PLAN_VARIANT[@]} points, estimated $(minutes "$predicted_total") (plus the build)"
    return 0
  fi
  local plan_line_text
  for index in "${!PLAN_VARIANT[@]}"; do
    plan_line_text=$(plan_line "$index")
    log "plan: $plan_line_text"
  done

  "$SCRIPT_DIR/ensure-tools.sh" wrk curl

  local started_ms
  started_ms=$(now_ms)
  begin_run "$results_dir" "${#PLAN_VARIANT[@]}" kind=c10k variants="${variant_list[*]}" \
    connections_list="$connections_list" delay_ms="$DELAY_MS" workers=1 threads="$THREADS" \
    duration="$DURATION" warmup=0 primer="$PRIMER" timeout="$TIMEOUT" quick="$quick" host="$host" \
    base_port="$base_port" predicted_s="$((predicted_total / 1000))" \
    limit_open_files="${MACHINE_NOFILE:-unlimited}" limit_open_files_hard="${MACHINE_NOFILE_HARD:-unlimited}" \
    limit_user_processes="${MACHINE_NPROC:-unlimited}" pid_max="$MACHINE_PID_MAX" \
    threads_max="$MACHINE_THREADS_MAX" tasks_at_start="$MACHINE_TASKS" file_max="$MACHINE_FILE_MAX" \
    memory_available_kb="$MACHINE_MEM_AVAILABLE_KB" somaxconn="$MACHINE_SOMAXCONN" \
    local_port_range="$MACHINE_PORT_LOW-$MACHINE_PORT_HIGH" tasks_share_pct="$TASKS_SHARE_PCT" \
    files_share_pct="$FILES_SHARE_PCT" memory_share_pct="$MEMORY_SHARE_PCT" \
    sample_period_s="$SAMPLE_SECONDS" fd_count_budget_pct="$FD_COUNT_BUDGET_PCT" fd_count_us="$FD_COUNT_US" \
    fd_interval_after_open_s="$((FD_INTERVAL_AFTER_OPEN_US / 1000000))"
  log "c10k $RUN_DIR: ${#PLAN_VARIANT[@]} points of $DURATION (primer $PRIMER, no warm-up), estimated $(minutes "$predicted_total")"

  local failed=0 skipped=0 point_dir label predicted_done=0 point_args=()
  for index in "${!PLAN_VARIANT[@]}"; do
    name=${PLAN_VARIANT[index]} connections=${PLAN_CONNECTIONS[index]}
    point_dir="$RUN_DIR/$name.c$connections"
    CURRENT_POINT="$name c=$connections"
    label="$(progress_text "$index" "${#PLAN_VARIANT[@]}" "$(($(now_ms) - started_ms))" "$predicted_done" "$predicted_total") $name c=$connections:"
    # The machine again, just before the load: tasks, memory and files change under us.
    read_machine_limits
    if ! check_point_limits "$name" "$connections" "$THREADS"; then
      write_skipped "$point_dir" "$index"
      warn "$label SKIPPED ($LIMIT_NAME): $LIMIT_TEXT"
      skipped=$((skipped + 1))
    else
      point_args=(--out "$point_dir" --variant "$name" --host "$host" --threads "$THREADS"
        --connections "$connections" --duration "$DURATION" --delay-ms "$DELAY_MS" --workers 1
        --timeout "$TIMEOUT" --warmup 0 --primer "$PRIMER" --seq "$((index + 1))" --progress "$label"
        --port "${PLAN_PORT[index]}")
      c10k_point "${point_args[@]}" || failed=$((failed + 1))
    fi
    predicted_done=$((predicted_done + PLAN_PREDICTED_MS[index]))
    POINTS_DONE=$((POINTS_DONE + 1))
  done

  end_series "$started_ms" "${#PLAN_VARIANT[@]}" "$predicted_total" "$failed" "$skipped" \
    ", each for the limit it would exceed" "summary.md with charts/, summary.csv, c10k.csv, one folder per point"
}

main "$@"
