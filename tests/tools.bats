#!/usr/bin/env bats
# scripts/ensure-tools.sh: what it installs as root, and the one message a machine without
# wrk, bats, h2load, Python's venv module or rustfmt is given otherwise. Each test runs it
# with a PATH of its own (only what the script itself runs, and stand-ins), so the tools
# asked for are missing whatever this machine has.

load test_helper

setup() {
  BIN="$BATS_TEST_TMPDIR/bin"
  mkdir -p "$BIN"
  local tool
  for tool in bash awk sort head paste dirname; do ln -s "$(command -v "$tool")" "$BIN/$tool"; done
  fake id 'echo 1000' # not root, unless a test says otherwise
}

# fake NAME BODY: a stand-in command in BIN (a /bin/sh script).
fake() {
  printf '#!/bin/sh\n%s\n' "$2" >"$BIN/$1"
  chmod +x "$BIN/$1"
}

ensure_tools() { env PATH="$BIN" "$SCRIPTS/ensure-tools.sh" "$@"; }

@test "present tools: nothing to do, nothing printed" {
  run ensure_tools bash awk
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "missing tools where it cannot install: one message, for Debian/Ubuntu and macOS, and a failure" {
  run ensure_tools bash wrk bats h2load python3-venv rustfmt --optional shellcheck
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "ensure-tools: missing wrk bats h2load python3-venv rustfmt; optional, going on without: shellcheck. Install with:" ]
  [ "${lines[1]}" = "  Debian/Ubuntu: sudo apt-get install wrk bats nghttp2-client python3-venv shellcheck" ]
  [ "${lines[2]}" = "  macOS:         brew install wrk bats-core nghttp2 python shellcheck" ]
  [ "${lines[3]}" = "  Rust (rustup): rustup component add rustfmt" ]
  [ "${#lines[@]}" -eq 4 ]
}

@test "only optional tools missing: the same message, and it goes on" {
  run ensure_tools bash --optional h2load
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "ensure-tools: optional, going on without: h2load. Install with:" ]
  [ "${lines[1]}" = "  Debian/Ubuntu: sudo apt-get install nghttp2-client" ]
}

@test "as root on Debian or Ubuntu: installs what is missing with apt-get, and says so" {
  fake id 'echo 0'
  # A stand-in apt-get that logs its arguments and "installs" each package's command.
  cat >"$BIN/apt-get" <<FAKE
#!/bin/sh
echo "\$*" >>"$BATS_TEST_TMPDIR/apt.log"
[ "\$1" = install ] || exit 0
for package in "\$@"; do
  case "\$package" in
    -* | install | *=*) ;; # options
    nghttp2-client) printf '#!/bin/sh\n' >"$BIN/h2load" && $(command -v chmod) +x "$BIN/h2load" ;;
    *) printf '#!/bin/sh\n' >"$BIN/\$package" && $(command -v chmod) +x "$BIN/\$package" ;;
  esac
done
FAKE
  chmod +x "$BIN/apt-get"
  run ensure_tools wrk curl --optional h2load
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "ensure-tools: installing wrk curl nghttp2-client with apt-get" ]
  [ "$(cat "$BATS_TEST_TMPDIR/apt.log")" = "update -qq
install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends wrk curl nghttp2-client" ]
  [ -x "$BIN/h2load" ]
}

@test "as root, when apt-get fails: the one message, and a failure" {
  fake id 'echo 0'
  fake apt-get 'exit 100'
  run ensure_tools wrk
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"ensure-tools: apt-get could not install wrk"* ]]
  [[ $output == *"ensure-tools: missing wrk. Install with:"* ]]
}

@test "rustfmt and clippy: added with rustup where it is, as any user" {
  fake cargo "[ -e '$BATS_TEST_TMPDIR/added' ]"
  fake rustup "echo \"\$*\" >'$BATS_TEST_TMPDIR/rustup.log'; >'$BATS_TEST_TMPDIR/added'"
  run ensure_tools rustfmt clippy
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$output" = "ensure-tools: installing rustfmt clippy with rustup" ]
  [ "$(cat "$BATS_TEST_TMPDIR/rustup.log")" = "component add rustfmt clippy" ]
}

@test "a bats older than the tests need counts as missing, and the message says why" {
  fake bats 'echo "Bats 1.2.1"'
  run ensure_tools bats
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"ensure-tools: missing bats. Install with:"* ]]
  [[ $output == *"(bats 1.2.1 is installed, but tests/ needs 1.4.0 or newer"* ]]
  fake bats 'echo "Bats 1.10.0"'
  run ensure_tools bats
  [ "$status" -eq 0 ]
}

@test "the Python baselines' set-up, where python3 has no venv module: the one message, nothing made" {
  local repo="$BATS_TEST_TMPDIR/repo"
  mkdir -p "$repo/scripts" "$repo/baselines/python"
  cp "$SCRIPTS/ensure-tools.sh" "$repo/scripts/"
  cp "$REPO_ROOT"/baselines/python/{setup.sh,requirements.txt,requirements-dev.txt} "$repo/baselines/python/"
  # python3 as Debian ships it without python3-venv: ensurepip cannot be imported.
  fake python3 "case \"\$*\" in *ensurepip*) exit 1 ;; esac; exec '$(command -v python3)' \"\$@\""
  run env PATH="$BIN" "$repo/baselines/python/setup.sh" --dev
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "ensure-tools: missing python3-venv. Install with:" ]
  [ "${lines[1]}" = "  Debian/Ubuntu: sudo apt-get install python3-venv" ]
  [ "${lines[2]}" = "  macOS:         brew install python" ]
  [ "${#lines[@]}" -eq 3 ]
  [ ! -e "$repo/baselines/python/.venv" ]
}

@test "the interop clients are named by their Debian packages" {
  # A PATH with none of them, and not root, so it must not try apt-get.
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  printf '#!/bin/sh\necho 1000\n' >"$BATS_TEST_TMPDIR/bin/id"
  chmod +x "$BATS_TEST_TMPDIR/bin/id"
  PATH="$BATS_TEST_TMPDIR/bin" run "$BASH" "$SCRIPTS/ensure-tools.sh" ab hey h2load wget
  [ "$status" -eq 1 ]
  [[ $output == *"ensure-tools: missing ab hey h2load wget."* ]]
  [[ $output == *"sudo apt-get install apache2-utils hey nghttp2-client wget"* ]]
}

@test "the lab hosts' tools are named by their Debian packages" {
  run ensure_tools ssh ssh-keygen ip tc taskset unshare
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"ensure-tools: missing ssh ssh-keygen ip tc taskset unshare."* ]]
  [[ $output == *"sudo apt-get install openssh-client iproute2 util-linux"* ]]
}

@test "sshd in /usr/sbin counts as present where /usr/sbin is not on PATH" {
  [[ -x /usr/sbin/sshd ]] || skip "no /usr/sbin/sshd on this machine"
  run ensure_tools sshd
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}
