#!/usr/bin/env bash
# Test hosts on one machine, for running the harness's multi-host path (load generator, server
# and downstream each on a host reached over ssh) without real machines. Host labI is a network
# namespace (sal-labI) joined to a bridge (sal-br0, 10.77.0.1) by a veth pair, at 10.77.0.(10+I),
# with a hostname of its own (labI) and its own sshd: `ssh -F DIR/ssh_config labI COMMAND` runs
# COMMAND there, as root, inside that namespace.
#
# Usage: scripts/lab-hosts.sh up --hosts N [--delay D] [--cpus "SET;SET;..."] [--dir DIR] [--sshd PATH]
#        scripts/lab-hosts.sh down [--dir DIR]
#        scripts/lab-hosts.sh status [--dir DIR]
#        scripts/lab-hosts.sh check [--delay D] [--sshd PATH]
#
#   up      make hosts lab1..labN, wait until ssh reaches each, and print the line to paste
#           (SSH_CONFIG=... LOAD_HOSTS=... SERVER_HOST=... DOWNSTREAM_HOST=...), also in DIR/env;
#           anything failing half-way (or Ctrl-C) removes all it had made
#   down    stop each host's sshd and whatever still runs in the hosts' namespaces, then
#           remove the namespaces, links, bridge and DIR (nothing to remove: not an error)
#   status  each host, its address, whether its sshd is alive, the delay and the cpus (exit
#           status 1 if no hosts are up or a sshd is gone)
#   check   only whether this machine can make the hosts (exit status 0 or 3, as below)
#
#   --hosts N     how many hosts, 1 to 8: lab1..labN at 10.77.0.11..10.77.0.(10+N)
#   --delay D     netem delay on each host's egress (e.g. 0.25ms, 1ms): one way between two
#                 hosts takes D, a round trip 2D (default: none)
#   --cpus LISTS  one cpu list per host ("0;1;0-1"), or one for all: each host's sshd runs
#                 under taskset -c LIST, and so does everything a session starts (default:
#                 no pinning)
#   --dir DIR     where the keys, sshd configs, pid files, ssh_config, known_hosts, env and
#                 state go (default: .lab-hosts at the top of the repository)
#   --sshd PATH   the sshd to run (default /usr/sbin/sshd)
#   -h, --help    this text
#
# Needs root, ip and tc (iproute2), sshd (openssh-server), ssh and ssh-keygen (openssh-client),
# unshare and taskset (util-linux): scripts/ensure-tools.sh installs them. Exit status 3, with
# the reason on one line, where this machine cannot make the hosts (not root, no network
# namespaces, a tool missing, no netem for --delay); 1 for any other failure.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
# shellcheck disable=SC2034 # read by parse_options (lib.sh)
USAGE_FILE="${BASH_SOURCE[0]}"
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

# ip, tc and sshd live in /usr/sbin, which a PATH may lack.
PATH="$PATH:/usr/sbin:/sbin"

# Every name starts with sal- so that nothing else's namespaces or links are ever touched.
readonly NS_PREFIX=sal-lab VETH_PREFIX=sal-v BRIDGE=sal-br0
readonly SUBNET=10.77.0 SUBNET_CIDR=10.77.0.0/24 BRIDGE_ADDRESS=10.77.0.1
readonly MAX_HOSTS=8
# How long up waits for ssh to reach every host; how long a process has between SIGTERM and
# SIGKILL when down stops it.
readonly SSH_WAIT_MS=10000 STOP_GRACE_MS=3000

DIR="" STATE_FILE=""
# up: yes once it has finished (the EXIT trap then leaves everything up); the namespace of
# the capability probe while it exists.
UP_DONE=no PROBE_NS=""
# One cpu list per host (index 1..N), empty for no pinning: from host_cpu_lists.
HOST_CPUS=()

# unavailable REASON: this machine cannot make the hosts; one line, exit status 3.
unavailable() {
  printf 'lab hosts unavailable: %s\n' "$*" >&2
  exit 3
}

# step WHAT COMMAND...: runs COMMAND; on failure dies with WHAT and the command's own error.
step() {
  local what=$1 error status
  shift
  error=$("$@" 2>&1 >/dev/null </dev/null) || {
    status=$?
    die "$what failed: ${error:-exit status $status, no message}"
  }
}

# host_address I: labI's address.
host_address() { echo "$SUBNET.$((10 + $1))"; }

# set_dir DIR: sets DIR (absolute) and STATE_FILE; dies where ssh_config could not hold the path.
set_dir() {
  local dir=$1
  [[ $dir == /* ]] || dir="$PWD/$dir"
  dir=$(realpath -m -- "$dir")
  [[ $dir =~ ^/[A-Za-z0-9._/+@=,-]+$ ]] ||
    die "--dir '$dir': use a path of letters, digits and ._/+@=,- (ssh_config and sshd_config hold it unquoted)"
  DIR=$dir STATE_FILE="$dir/state"
}

# record KEY=VALUE: one line of DIR/state, written as soon as the thing it names is made.
record() { printf '%s\n' "$1" >>"$STATE_FILE"; }

# state_values KEY: each value of KEY in DIR/state, one per line, in the order recorded.
state_values() {
  awk -v key="$1" 'index($0, key "=") == 1 { print substr($0, length(key) + 2) }' "$STATE_FILE"
}

# split_cpu_lists LISTS N: fills HOST_CPUS[1..N] from "SET;SET;..." (one list per host, or
# one for all; empty: no pinning), unchecked.
split_cpu_lists() {
  local lists=$1 hosts=$2 i
  local -a parts=()
  HOST_CPUS=()
  [[ -n $lists ]] || return 0
  IFS=';' read -ra parts <<<"$lists"
  for ((i = 1; i <= hosts; i++)); do
    if ((${#parts[@]} == 1)); then HOST_CPUS[i]=${parts[0]}; else HOST_CPUS[i]=${parts[i - 1]:-}; fi
  done
}

# host_cpu_lists LISTS N: split_cpu_lists, after checking each list against the cores this
# process may use; dies naming a bad one, before anything is made.
host_cpu_lists() {
  local lists=$1 hosts=$2 allowed cores core list
  local -a parts=()
  if [[ -n $lists ]]; then
    allowed=" $(allowed_cpus) " || die "cannot read the cores this process may use from /proc/$$/status"
    IFS=';' read -ra parts <<<"$lists"
    [[ $lists != *';' ]] || parts+=("")
    ((${#parts[@]} == 1 || ${#parts[@]} == hosts)) ||
      die "--cpus '$lists' gives ${#parts[@]} cpu lists for $hosts hosts: give one per host (separated by ;) or one for all"
    for list in "${parts[@]}"; do
      cores=$(expand_cpu_list "$list") || cores=""
      [[ -n $cores ]] || die "--cpus: '$list' is not a cpu list (e.g. 0, 0-1 or 0,2)"
      for core in $cores; do
        [[ $allowed == *" $core "* ]] ||
          die "--cpus: core $core (in '$list') is not one of this machine's: this process may use$allowed(Cpus_allowed_list; nproc says $(nproc))"
      done
    done
  fi
  split_cpu_lists "$lists" "$hosts"
}

# can_make_hosts SSHD DELAY CPU_LISTS: root, the tools, and a throwaway namespace (sal-probe-PID)
# with a bridge, a veth pair, a UTS namespace and, with DELAY, a netem qdisc in it; exits 3
# with the reason where any of them cannot be had. Makes nothing that outlives it.
can_make_hosts() {
  local sshd=$1 delay=$2 cpu_lists=$3 tool error
  (($(id -u) == 0)) || unavailable "network namespaces need root (run as root, e.g. sudo make lab-hosts)"
  for tool in ip ssh ssh-keygen unshare ${delay:+tc} ${cpu_lists:+taskset}; do
    command -v "$tool" >/dev/null 2>&1 ||
      unavailable "no $tool command (scripts/ensure-tools.sh $tool installs it)"
  done
  [[ -x $sshd ]] || unavailable "no sshd at $sshd (scripts/ensure-tools.sh sshd installs openssh-server)"
  PROBE_NS="sal-probe-$$"
  error=$(ip netns add "$PROBE_NS" 2>&1) || {
    PROBE_NS=""
    unavailable "cannot make a network namespace (ip netns add: ${error:-failed}; a container needs CAP_SYS_ADMIN and CAP_NET_ADMIN)"
  }
  error=$(ip -n "$PROBE_NS" link add sal-probe-br type bridge 2>&1) ||
    unavailable "cannot make a bridge (ip link add type bridge: ${error:-failed})"
  error=$(ip -n "$PROBE_NS" link add sal-probe-a type veth peer name sal-probe-b 2>&1) ||
    unavailable "cannot make a veth pair (ip link add type veth: ${error:-failed})"
  error=$(ip netns exec "$PROBE_NS" unshare --uts sh -c 'hostname sal-probe' 2>&1) ||
    unavailable "cannot give a host its own hostname (unshare --uts: ${error:-failed})"
  if [[ -n $delay ]]; then
    error=$(tc -n "$PROBE_NS" qdisc add dev lo root netem delay "$delay" 2>&1) ||
      unavailable "--delay needs the netem qdisc, which this kernel lacks (tc qdisc add ... netem: ${error:-failed}; modprobe sch_netem, where modules can be loaded)"
  fi
  remove_probe
}

# remove_probe: the capability probe's namespace, if it is there.
remove_probe() {
  [[ -n $PROBE_NS ]] || return 0
  ip netns del "$PROBE_NS" 2>/dev/null || true
  PROBE_NS=""
}

# names_free N: no namespace sal-lab1..N, no link sal-v1..N or sal-br0, and nothing of the
# root namespace's addresses or routes in (or around) 10.77.0.0/24; dies naming what is taken.
names_free() {
  local hosts=$1 i taken
  ! ip link show dev "$BRIDGE" >/dev/null 2>&1 ||
    die "a link $BRIDGE exists already: lab hosts from another --dir? (scripts/lab-hosts.sh down --dir THAT_DIR, or ip link del $BRIDGE)"
  for ((i = 1; i <= hosts; i++)); do
    [[ ! -e /run/netns/$NS_PREFIX$i ]] ||
      die "a network namespace $NS_PREFIX$i exists already: lab hosts from another --dir? (scripts/lab-hosts.sh down --dir THAT_DIR, or ip netns del $NS_PREFIX$i)"
    ! ip link show dev "$VETH_PREFIX$i" >/dev/null 2>&1 ||
      die "a link $VETH_PREFIX$i exists already (ip link del $VETH_PREFIX$i, if it is a leftover)"
  done
  taken=$(ip -4 -o addr show | awk -v prefix="$SUBNET." '{ split($4, a, "/") } index(a[1], prefix) == 1 { print $2 " " $4 }')
  [[ -z $taken ]] || die "$SUBNET_CIDR is in use here: address $taken (the lab hosts need that subnet to themselves)"
  taken=$({
    ip -4 route show root "$SUBNET_CIDR"
    ip -4 route show match "$SUBNET_CIDR" | awk '$1 != "default"'
  } | head -n 1)
  [[ -z $taken ]] || die "$SUBNET_CIDR is in use here: route '$taken' (the lab hosts need that subnet to themselves)"
}

# write_sshd_config I: labI's sshd_config, in DIR/labI.
write_sshd_config() {
  local i=$1
  cat >"$DIR/lab$i/sshd_config" <<EOF
# lab$i, made by scripts/lab-hosts.sh up: its address only, its own host key, the lab's key only.
ListenAddress $(host_address "$i"):22
AddressFamily inet
HostKey $DIR/lab$i/ssh_host_ed25519_key
PidFile $DIR/lab$i/sshd.pid
AuthorizedKeysFile $DIR/id_ed25519.pub
PermitRootLogin prohibit-password
AllowUsers root
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# The key is in DIR (mode 700) wherever DIR is, a BATS temporary folder under /tmp included,
# whose parents StrictModes would reject.
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
MaxStartups 100
Subsystem sftp internal-sftp
EOF
}

# write_ssh_config N: DIR/ssh_config (a Host entry per host) and DIR/known_hosts (each host's
# key under its name and its address).
write_ssh_config() {
  local hosts=$1 i address key
  {
    echo "# The lab hosts of scripts/lab-hosts.sh up: ssh -F $DIR/ssh_config labI COMMAND"
    for ((i = 1; i <= hosts; i++)); do
      address=$(host_address "$i")
      cat <<EOF

Host lab$i $address
  HostName $address
  User root
  IdentityFile $DIR/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  BatchMode yes
  ConnectTimeout 5
  LogLevel ERROR
EOF
    done
  } >"$DIR/ssh_config"
  for ((i = 1; i <= hosts; i++)); do
    read -r key <"$DIR/lab$i/ssh_host_ed25519_key.pub"
    printf 'lab%d,%s %s\n' "$i" "$(host_address "$i")" "${key% *}"
  done >"$DIR/known_hosts"
  chmod 600 "$DIR/ssh_config" "$DIR/known_hosts" "$DIR/id_ed25519.pub"
}

# start_sshd I SSHD: labI's sshd, inside sal-labI, in a UTS namespace of its own with hostname
# labI, under taskset where --cpus gave labI a list; it detaches and writes its pid file.
start_sshd() {
  local i=$1 sshd=$2 error status
  local -a pin=()
  [[ -z ${HOST_CPUS[i]:-} ]] || pin=(taskset -c "${HOST_CPUS[i]}")
  record "sshd=lab$i"
  # shellcheck disable=SC2016 # $1.. are sh's own arguments
  error=$(ip netns exec "$NS_PREFIX$i" unshare --uts "${pin[@]}" \
    sh -c 'hostname "$1" && exec "$2" -f "$3" -E "$4"' sh "lab$i" "$sshd" \
    "$DIR/lab$i/sshd_config" "$DIR/lab$i/sshd.log" 2>&1 </dev/null) || {
    status=$?
    die "sshd did not start on lab$i ($sshd, exit status $status): ${error:-no message}$(log_tail "$i")"
  }
}

# log_tail I: the end of labI's sshd log, on lines of its own, if it says anything.
log_tail() {
  [[ -s $DIR/lab$1/sshd.log ]] || return 0
  printf '\n%s' "lab$1's sshd log ($DIR/lab$1/sshd.log, last lines):"
  tail -n 5 "$DIR/lab$1/sshd.log" | sed 's/^/  /'
}

# wait_for_ssh N: until `ssh -F DIR/ssh_config labI true` works for each host, at most
# SSH_WAIT_MS in all, the hosts tried at once (each try's error in DIR/labI/ssh.err); dies
# with ssh's error for the first host still failing.
wait_for_ssh() {
  local hosts=$1 i deadline pid failing
  local -a pending=() still=() pids=()
  for ((i = 1; i <= hosts; i++)); do pending+=("$i"); done
  deadline=$(($(now_ms) + SSH_WAIT_MS))
  while :; do
    pids=()
    for i in "${pending[@]}"; do
      ssh -F "$DIR/ssh_config" "lab$i" true </dev/null >/dev/null 2>"$DIR/lab$i/ssh.err" &
      pids+=("$!")
      track_pid "$!"
    done
    still=()
    for ((i = 0; i < ${#pending[@]}; i++)); do
      pid=${pids[i]}
      reap "$pid"
      [[ $ENDED == 0 ]] || still+=("${pending[i]}")
    done
    ((${#still[@]})) || return 0
    pending=("${still[@]}")
    if (($(now_ms) >= deadline)); then
      failing=${pending[0]}
      die "ssh -F $DIR/ssh_config lab$failing true: still failing after $((SSH_WAIT_MS / 1000)) s: $(cat "$DIR/lab$failing/ssh.err")$(log_tail "$failing")"
    fi
    sleep 0.1
  done
}

# check_between_hosts: lab2 reaches lab1's sshd over the bridge (the harness's hosts talk to
# each other, not only to this machine); dies naming the usual cause otherwise.
check_between_hosts() {
  local target
  target=$(host_address 1)
  ip netns exec "${NS_PREFIX}2" timeout 3 bash -c "exec 3<>/dev/tcp/$target/22" 2>/dev/null ||
    die "lab2 cannot reach lab1 ($target:22) over $BRIDGE: is bridged traffic filtered here? (br_netfilter with an iptables FORWARD policy of DROP, as Docker sets, does that)"
}

# paste_line N: the settings for the harness: SSH_CONFIG and which hosts play which part.
paste_line() {
  local hosts=$1 load server downstream i
  case "$hosts" in
    1) load=lab1 server=lab1 downstream=lab1 ;;
    2) load=lab1 server=lab2 downstream=lab2 ;;
    *)
      load=lab1
      for ((i = 2; i <= hosts - 2; i++)); do load+=",lab$i"; done
      server="lab$((hosts - 1))" downstream="lab$hosts"
      ;;
  esac
  echo "SSH_CONFIG=$DIR/ssh_config LOAD_HOSTS=$load SERVER_HOST=$server DOWNSTREAM_HOST=$downstream"
}

# on_exit: the EXIT trap. Removes the probe namespace, and everything an up that did not
# finish had made (an error, Ctrl-C, SIGTERM).
on_exit() {
  local status=$?
  trap '' INT TERM
  restore_output
  remove_probe
  stop_tracked_processes
  if [[ $UP_DONE == no && -n $STATE_FILE && -e $STATE_FILE ]]; then
    log "lab-hosts up did not finish: removing everything it made"
    teardown
  fi
  exit "$status"
}

# ns_inode NS: the inode of network namespace NS, as /proc/PID/ns/net names it ("net:[INODE]").
ns_inode() { stat -L -c %i "/run/netns/$1" 2>/dev/null; }

# stop_processes PID...: SIGTERM to each, up to STOP_GRACE_MS for all to go, SIGKILL to those
# left. They are not our children (sshd detaches): gone means gone from /proc, or a zombie.
stop_processes() {
  local pid deadline left
  (($#)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  deadline=$(($(now_ms) + STOP_GRACE_MS))
  while :; do
    left=()
    for pid in "$@"; do
      if pid_alive "$pid"; then left+=("$pid"); fi
    done
    if ((${#left[@]} == 0 || $(now_ms) >= deadline)); then break; fi
    sleep 0.05
  done
  ((${#left[@]} == 0)) || {
    warn "no exit within ${STOP_GRACE_MS}ms of SIGTERM, killing: ${left[*]}"
    kill -KILL "${left[@]}" 2>/dev/null || true
  }
}

# teardown: removes what DIR/state lists, and only that. First each host's sshd (the PID in
# its pid file, if that process is in the host's namespace) and every other process still in
# the hosts' namespaces (sessions of their sshd, and what those started), then the links, the
# namespaces, the bridge and DIR. Anything already gone is skipped.
teardown() {
  local host ns inode pid pids=() sshds=() others=0 veth what
  while read -r host; do
    ns=$NS_PREFIX${host#lab}
    inode=$(ns_inode "$ns") || continue
    { read -r pid <"$DIR/$host/sshd.pid"; } 2>/dev/null || continue
    if [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "net:[$inode]" ]]; then
      sshds+=("$pid")
    elif pid_alive "$pid"; then
      warn "$host's pid file names process $pid, which is not in $ns: left alone"
    fi
  done < <(state_values sshd)
  while read -r ns; do
    [[ -e /run/netns/$ns ]] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      if [[ " ${sshds[*]} " != *" $pid "* ]]; then
        pids+=("$pid")
        others=$((others + 1))
      fi
    done
  done < <(state_values namespace)
  stop_processes "${sshds[@]}" "${pids[@]}"
  if ((${#sshds[@]} + others)); then
    log "stopped ${#sshds[@]} sshd and $others other process(es) left in the hosts' namespaces"
  fi

  while read -r veth; do
    ! ip link show dev "$veth" >/dev/null 2>&1 || ip link del "$veth" || warn "could not delete link $veth"
  done < <(state_values veth)
  while read -r ns; do
    [[ ! -e /run/netns/$ns ]] || ip netns del "$ns" || warn "could not delete network namespace $ns"
  done < <(state_values namespace)
  while read -r what; do
    ! ip link show dev "$what" >/dev/null 2>&1 || ip link del "$what" || warn "could not delete bridge $what"
  done < <(state_values bridge)
  # /run/sshd stays, even where up made it: every sshd on this machine uses it (Debian's
  # ssh service makes it at boot), and one started meanwhile would break without it.
  what=$(state_values dir)
  if [[ $what == made ]]; then
    rm -rf -- "$DIR"
  else
    # DIR was empty before up: everything in it is up's.
    find "$DIR" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
  fi
}

# stray_names: namespaces sal-lab* and links sal-* that exist here, for down's warning when
# DIR/state does not list them.
stray_names() {
  {
    ip netns list 2>/dev/null | awk -v prefix="$NS_PREFIX" 'index($1, prefix) == 1 { print $1 }'
    ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2) } $2 ~ /^sal-/ { print $2 }'
  } | paste -sd ' '
}

# cmd_up ARGS...: the up subcommand.
cmd_up() {
  local hosts="" delay="" cpu_lists="" dir="$REPO_ROOT/.lab-hosts" sshd=/usr/sbin/sshd i ns address line
  # shellcheck disable=SC2034 # read by parse_options
  local -A spec=([--hosts]=hosts [--delay]=delay [--cpus]=cpu_lists [--dir]=dir [--sshd]=sshd)
  parse_options spec "$@"

  # Everything checked before anything is made.
  [[ -n $hosts ]] || die "up needs --hosts N (1 to $MAX_HOSTS)"
  if ! is_uint "$hosts" || ((10#$hosts < 1 || 10#$hosts > MAX_HOSTS)); then
    die "--hosts '$hosts': a whole number from 1 to $MAX_HOSTS"
  fi
  hosts=$((10#$hosts))
  [[ -z $delay || $delay =~ ^[0-9]+(\.[0-9]+)?(us|ms|s)$ ]] ||
    die "--delay '$delay': a time such as 0.25ms, 1ms or 100us"
  [[ $sshd == /* ]] || die "--sshd '$sshd': an absolute path (sshd re-executes itself by it)"
  host_cpu_lists "$cpu_lists" "$hosts"
  set_dir "$dir"
  [[ ! -e $STATE_FILE ]] || die "lab hosts are up already (lab-hosts-down first): $STATE_FILE"
  [[ ! -e $DIR || -d $DIR ]] || die "--dir $DIR is not a folder"
  [[ ! -d $DIR || -z $(ls -A "$DIR") ]] ||
    die "--dir $DIR holds files of its own and no lab-hosts state: give a new or empty folder"
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  can_make_hosts "$sshd" "$delay" "$cpu_lists"
  names_free "$hosts"

  log "making $hosts lab host(s) in $DIR"
  local made_dir=existing
  if [[ -d $DIR ]]; then
    chmod 700 "$DIR"
  else
    step "mkdir $DIR" mkdir -m 700 "$DIR"
    made_dir=made
  fi
  echo "# scripts/lab-hosts.sh up: what it made, each line as soon as it was; down removes exactly these" >"$STATE_FILE"
  record "dir=$made_dir"
  record "hosts=$hosts"
  record "delay=$delay"
  record "cpus=$cpu_lists"

  # Keys: the client's, and each host's.
  step "ssh-keygen (the client key)" ssh-keygen -q -t ed25519 -N '' -C lab-hosts -f "$DIR/id_ed25519"
  for ((i = 1; i <= hosts; i++)); do
    mkdir -m 700 "$DIR/lab$i"
    step "ssh-keygen (lab$i's host key)" ssh-keygen -q -t ed25519 -N '' -C "lab$i" -f "$DIR/lab$i/ssh_host_ed25519_key"
    write_sshd_config "$i"
  done
  write_ssh_config "$hosts"
  if [[ ! -d /run/sshd ]]; then
    # sshd's privilege separation directory, which Debian's ssh service makes at boot; shared
    # with every other sshd here, so down leaves it.
    mkdir -m 755 /run/sshd
    record "run_sshd=made (left in place by down)"
  fi

  # The network: the bridge, then each host's namespace, veth pair, addresses and delay.
  step "ip link add $BRIDGE type bridge" ip link add "$BRIDGE" type bridge
  record "bridge=$BRIDGE"
  step "ip addr add $BRIDGE_ADDRESS/24 dev $BRIDGE" ip addr add "$BRIDGE_ADDRESS/24" dev "$BRIDGE"
  step "ip link set $BRIDGE up" ip link set "$BRIDGE" up
  for ((i = 1; i <= hosts; i++)); do
    ns=$NS_PREFIX$i address=$(host_address "$i")
    step "ip netns add $ns" ip netns add "$ns"
    record "namespace=$ns"
    step "ip link add $VETH_PREFIX$i (veth, peer eth0 in $ns)" \
      ip link add "$VETH_PREFIX$i" type veth peer name eth0 netns "$ns"
    record "veth=$VETH_PREFIX$i"
    step "ip link set $VETH_PREFIX$i master $BRIDGE up" ip link set "$VETH_PREFIX$i" master "$BRIDGE" up
    step "ip link set lo up in $ns" ip -n "$ns" link set lo up
    step "ip addr add $address/24 dev eth0 in $ns" ip -n "$ns" addr add "$address/24" dev eth0
    step "ip link set eth0 up in $ns" ip -n "$ns" link set eth0 up
    if [[ -n $delay ]]; then
      step "tc qdisc add dev eth0 root netem delay $delay in $ns" \
        tc -n "$ns" qdisc add dev eth0 root netem delay "$delay"
    fi
  done

  for ((i = 1; i <= hosts; i++)); do start_sshd "$i" "$sshd"; done
  wait_for_ssh "$hosts"
  ((hosts < 2)) || check_between_hosts

  line=$(paste_line "$hosts")
  echo "$line" >"$DIR/env"
  UP_DONE=yes
  for ((i = 1; i <= hosts; i++)); do
    log "  lab$i  $(host_address "$i")${HOST_CPUS[i]:+  cpus ${HOST_CPUS[i]}}"
  done
  local delay_text=""
  [[ -z $delay ]] || delay_text=", netem delay $delay on each host's egress"
  log "up: $hosts host(s) on $BRIDGE ($BRIDGE_ADDRESS)$delay_text; ssh -F $DIR/ssh_config lab1 reaches lab1"
  log "remove them with: make lab-hosts-down (or scripts/lab-hosts.sh down --dir $DIR). For the harness (also in $DIR/env):"
  echo "$line"
}

# cmd_down ARGS...: the down subcommand.
cmd_down() {
  local dir="$REPO_ROOT/.lab-hosts" stray
  # shellcheck disable=SC2034 # read by parse_options
  local -A spec=([--dir]=dir)
  parse_options spec "$@"
  set_dir "$dir"
  if [[ ! -e $STATE_FILE ]]; then
    log "no lab hosts in $DIR (no state file): nothing to remove"
    stray=$(stray_names)
    [[ -z $stray ]] || warn "these exist but $DIR does not list them (lab hosts of another --dir?): $stray"
    return 0
  fi
  (($(id -u) == 0)) || die "removing the lab hosts needs root, as making them did"
  trap '' INT TERM
  teardown
  if [[ -e $DIR ]]; then log "lab hosts removed ($DIR emptied)"; else log "lab hosts removed ($DIR gone)"; fi
}

# cmd_status ARGS...: the status subcommand.
cmd_status() {
  local dir="$REPO_ROOT/.lab-hosts" hosts delay cpu_lists i pid inode sshd_state all_alive=yes
  # shellcheck disable=SC2034 # read by parse_options
  local -A spec=([--dir]=dir)
  parse_options spec "$@"
  set_dir "$dir"
  if [[ ! -e $STATE_FILE ]]; then
    log "no lab hosts up in $DIR"
    return 1
  fi
  hosts=$(state_values hosts) delay=$(state_values delay) cpu_lists=$(state_values cpus)
  split_cpu_lists "$cpu_lists" "$hosts"
  printf '%-6s %-12s %-10s %-22s %-10s %s\n' host address namespace sshd delay cpus
  for ((i = 1; i <= hosts; i++)); do
    sshd_state="not started"
    if { read -r pid <"$DIR/lab$i/sshd.pid"; } 2>/dev/null; then
      inode=$(ns_inode "$NS_PREFIX$i") || inode=none
      if pid_alive "$pid" && [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "net:[$inode]" ]]; then
        sshd_state="alive (pid $pid)"
      else
        sshd_state="gone (was pid $pid)"
      fi
    fi
    [[ $sshd_state == alive* ]] || all_alive=no
    printf '%-6s %-12s %-10s %-22s %-10s %s\n' "lab$i" "$(host_address "$i")" "$NS_PREFIX$i" \
      "$sshd_state" "${delay:-none}" "${HOST_CPUS[i]:-all}"
  done
  [[ $all_alive == yes ]]
}

# cmd_check ARGS...: the check subcommand.
cmd_check() {
  local delay="" sshd=/usr/sbin/sshd
  # shellcheck disable=SC2034 # read by parse_options
  local -A spec=([--delay]=delay [--sshd]=sshd)
  parse_options spec "$@"
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  can_make_hosts "$sshd" "$delay" ""
  log "lab hosts can be made here${delay:+, with a netem delay}"
}

main() {
  local command=${1:-}
  shift || true
  case "$command" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    check) cmd_check "$@" ;;
    -h | --help) print_usage "$USAGE_FILE" ;;
    *)
      print_usage "$USAGE_FILE" >&2
      [[ -z $command ]] || die "unknown command '$command': up, down, status or check"
      die "a command is needed: up, down, status or check"
      ;;
  esac
}

main "$@"
