#!/usr/bin/env bats
# scripts/lab-hosts.sh: test hosts on one machine, each a network namespace on a bridge with
# its own hostname and sshd. They need root and network namespaces: where
# `scripts/lab-hosts.sh check` says this machine cannot make them (exit status 3), every test
# is skipped with its reason, as it is while lab hosts are up (their names are taken). Each
# test makes its hosts in its own BATS temporary folder and removes them in teardown, also
# when it fails.

load test_helper

setup_file() {
  lab_unavailable >"$BATS_FILE_TMPDIR/unavailable" || rm -f "$BATS_FILE_TMPDIR/unavailable"
}

setup() {
  [[ ! -e $BATS_FILE_TMPDIR/unavailable ]] || skip "$(cat "$BATS_FILE_TMPDIR/unavailable")"
  LAB="$SCRIPTS/lab-hosts.sh"
  DIR="$BATS_TEST_TMPDIR/lab"
  OTHER_DIR="$BATS_TEST_TMPDIR/other"
  SSHD=$(command -v sshd || echo /usr/sbin/sshd)
  # The first and the last core this process may use (the same one on a single core).
  local allowed
  allowed=$(awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/self/status)
  FIRST_CPU=$(grep -oE '^[0-9]+' <<<"$allowed")
  LAST_CPU=$(grep -oE '[0-9]+$' <<<"$allowed")
}

teardown() {
  [[ -n ${LAB:-} ]] || return 0
  "$LAB" down --dir "$DIR" >/dev/null 2>&1 || true
  "$LAB" down --dir "$OTHER_DIR" >/dev/null 2>&1 || true
}

# on HOST COMMAND: COMMAND run on a lab host over ssh.
on() { ssh -F "$DIR/ssh_config" "$1" "$2"; }

# procs_mentioning TEXT: the PIDs of processes whose command line holds TEXT (to look, never
# to kill).
procs_mentioning() {
  local file cmdline
  for file in /proc/[0-9]*/cmdline; do
    cmdline=$(tr '\0' ' ' <"$file" 2>/dev/null) || continue
    if [[ $cmdline == *"$1"* ]]; then
      file=${file#/proc/}
      echo "${file%/cmdline}"
    fi
  done
}

# nothing_left: no namespace or link of the lab, no DIR, no process started from DIR's configs.
nothing_left() {
  run ip netns list
  [[ $output != *sal-* ]]
  run ip -o link show
  [[ $output != *sal-* ]]
  [ ! -e "$DIR" ]
  [ -z "$(procs_mentioning "$DIR/")" ]
}

@test "up 2 hosts with --cpus: each reached by ssh, with its hostname, its cpus and its address; the hosts reach each other" {
  run "$LAB" up --hosts 2 --cpus "$FIRST_CPU;$LAST_CPU" --dir "$DIR"
  echo "$output"
  [ "$status" -eq 0 ]
  local line="SSH_CONFIG=$DIR/ssh_config LOAD_HOSTS=lab1 SERVER_HOST=lab2 DOWNSTREAM_HOST=lab2"
  [ "${lines[-1]}" = "$line" ]
  [ "$(cat "$DIR/env")" = "$line" ]

  [ "$(on lab1 hostname)" = lab1 ]
  [ "$(on lab2 hostname)" = lab2 ]
  # What a session starts runs on the host's cores only.
  [ "$(on lab1 nproc)" -eq 1 ]
  [[ $(on lab1 'taskset -pc $$') == *": $FIRST_CPU" ]]
  [[ $(on lab2 'taskset -pc $$') == *": $LAST_CPU" ]]
  [[ $(on lab1 'ip -4 -o addr show dev eth0') == *" 10.77.0.11/24 "* ]]
  [[ $(on lab2 'ip -4 -o addr show dev eth0') == *" 10.77.0.12/24 "* ]]

  # Host to host: a TCP connection from lab2 to lab1's sshd, and ssh itself from lab2.
  run on lab2 'bash -c "exec 3<>/dev/tcp/10.77.0.11/22" && echo connected'
  [ "$output" = connected ]
  [ "$(on lab2 "ssh -F '$DIR/ssh_config' lab1 hostname")" = lab1 ]

  run "$LAB" status --dir "$DIR"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ ${lines[1]} == "lab1   10.77.0.11   sal-lab1   alive (pid "*"none       $FIRST_CPU" ]]
  [[ ${lines[2]} == "lab2   10.77.0.12   sal-lab2   alive (pid "*"none       $LAST_CPU" ]]
}

@test "--delay 1ms: netem on each host's eth0, and a TCP handshake between hosts takes at least 2 ms" {
  local reason status=0
  reason=$("$LAB" check --delay 1ms 2>&1) || status=$?
  ((status != 3)) || skip "$reason"
  run "$LAB" up --hosts 2 --delay 1ms --dir "$DIR"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $(tc -n sal-lab1 qdisc show dev eth0) == *"netem"*"delay 1ms"* ]]
  [[ $(tc -n sal-lab2 qdisc show dev eth0) == *"netem"*"delay 1ms"* ]]
  grep -qx 'delay=1ms' "$DIR/state"
  # The SYN leaves lab2 1 ms late, the SYN-ACK leaves lab1 1 ms late: connect takes >= 2 ms.
  run ssh -F "$DIR/ssh_config" lab2 bash -s <<'SCRIPT'
start=$EPOCHREALTIME
exec 3<>/dev/tcp/10.77.0.11/22
end=$EPOCHREALTIME
echo $((${end/./} - ${start/./}))
SCRIPT
  echo "connect took $output µs"
  [ "$status" -eq 0 ]
  [ "$output" -ge 2000 ]
  run "$LAB" status --dir "$DIR"
  [[ ${lines[1]} == *" 1ms "* ]]
}

@test "a second up while up refuses, and leaves the hosts up as they were" {
  run "$LAB" up --hosts 1 --dir "$DIR"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "SSH_CONFIG=$DIR/ssh_config LOAD_HOSTS=lab1 SERVER_HOST=lab1 DOWNSTREAM_HOST=lab1" ]
  run "$LAB" up --hosts 1 --dir "$DIR"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"lab hosts are up already (lab-hosts-down first)"* ]]
  # Another DIR: the names are taken, and it says so before making anything.
  run "$LAB" up --hosts 1 --dir "$OTHER_DIR"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"a link sal-br0 exists already"* ]]
  [ ! -e "$OTHER_DIR" ]
  [ "$(on lab1 hostname)" = lab1 ]
}

@test "down: every sshd and session process stopped, no namespace, no bridge, no DIR; down again is no error" {
  run "$LAB" up --hosts 4 --dir "$DIR"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "SSH_CONFIG=$DIR/ssh_config LOAD_HOSTS=lab1,lab2 SERVER_HOST=lab3 DOWNSTREAM_HOST=lab4" ]
  local sshds left
  sshds=$(cat "$DIR"/lab*/sshd.pid)
  # A process a session left behind, detached: down stops it too (it is in lab1's namespace).
  left=$(on lab1 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!')
  alive "$left"

  run "$LAB" down --dir "$DIR"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"stopped 4 sshd and "[1-9]*" other process(es) left in the hosts' namespaces"* ]]
  local pid
  for pid in $sshds "$left"; do dead "$pid"; done
  nothing_left
  run ip link show sal-br0
  [ "$status" -ne 0 ]

  run "$LAB" down --dir "$DIR"
  [ "$status" -eq 0 ]
  [[ $output == *"nothing to remove"* ]]
  run "$LAB" status --dir "$DIR"
  [ "$status" -eq 1 ]
}

@test "bad options, and --cpus with a core that does not exist: refused before anything is made" {
  run "$LAB" up --hosts 2 --cpus "$FIRST_CPU;4095" --dir "$DIR"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"--cpus: core 4095 (in '4095') is not one of this machine's"* ]]
  run "$LAB" up --hosts 3 --cpus "0;0" --dir "$DIR"
  [ "$status" -eq 1 ]
  [[ $output == *"gives 2 cpu lists for 3 hosts"* ]]
  run "$LAB" up --hosts 2 --cpus "0-x" --dir "$DIR"
  [[ $output == *"'0-x' is not a cpu list"* ]]
  run "$LAB" up --hosts 9 --dir "$DIR"
  [[ $output == *"--hosts '9': a whole number from 1 to 8"* ]]
  run "$LAB" up --hosts 2 --delay 1 --dir "$DIR"
  [[ $output == *"--delay '1': a time such as 0.25ms"* ]]
  run "$LAB" up --dir "$DIR"
  [[ $output == *"up needs --hosts N"* ]]
  nothing_left
}

@test "sshd failing on the second host, after the namespaces are made: everything made is removed" {
  # The real sshd on lab1, a failing one on lab2.
  cat >"$BATS_TEST_TMPDIR/sshd" <<EOF
#!/bin/sh
[ "\$(hostname)" = lab1 ] && exec "$SSHD" "\$@"
echo "test sshd: refusing to start on \$(hostname)" >&2
exit 1
EOF
  chmod +x "$BATS_TEST_TMPDIR/sshd"
  run "$LAB" up --hosts 2 --sshd "$BATS_TEST_TMPDIR/sshd" --dir "$DIR"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"sshd did not start on lab2 ($BATS_TEST_TMPDIR/sshd, exit status 1): test sshd: refusing to start on lab2"* ]]
  [[ $output == *"lab-hosts up did not finish: removing everything it made"* ]]
  [[ $output == *"stopped 1 sshd and "* ]]
  nothing_left
}

@test "interrupted half-way (SIGTERM while lab2's sshd starts): everything made is removed, exit status 143" {
  # lab2's sshd signals the up that starts it, then starts: the up stops there, and must also
  # stop the sshd that started after the signal (it is in lab2's namespace).
  cat >"$BATS_TEST_TMPDIR/sshd" <<EOF
#!/bin/sh
if [ "\$(hostname)" = lab2 ]; then
  tries=0
  while [ ! -s "$BATS_TEST_TMPDIR/up.pid" ] && [ \$tries -lt 50 ]; do sleep 0.1; tries=\$((tries + 1)); done
  kill -TERM "\$(cat "$BATS_TEST_TMPDIR/up.pid")"
fi
exec "$SSHD" "\$@"
EOF
  chmod +x "$BATS_TEST_TMPDIR/sshd"
  local status=0
  "$LAB" up --hosts 2 --sshd "$BATS_TEST_TMPDIR/sshd" --dir "$DIR" >"$BATS_TEST_TMPDIR/up.out" 2>&1 &
  echo $! >"$BATS_TEST_TMPDIR/up.pid"
  wait $! || status=$?
  cat "$BATS_TEST_TMPDIR/up.out"
  [ "$status" -eq 143 ]
  grep -q "lab-hosts up did not finish: removing everything it made" "$BATS_TEST_TMPDIR/up.out"
  nothing_left
}
