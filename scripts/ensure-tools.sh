#!/usr/bin/env bash
# Make sure the tools the tests and benchmarks need are installed, or say what to install.
#
# Usage: scripts/ensure-tools.sh TOOL... [--optional TOOL...]
#   TOOL: a command (wrk, bats, curl, shellcheck, ab, hey, h2load, wget, python3; for the lab
#   hosts sshd, ssh, ssh-keygen, ip, tc, taskset, unshare), python3-venv (Python's venv and
#   ensurepip modules, which Debian and Ubuntu ship apart from python3), or rustfmt and clippy
#   (cargo's components). sshd counts as present in /usr/sbin even where that is not on PATH. Tools after --optional are installed where possible,
#   but one that cannot be is a warning, not a failure.
# As root on Debian or Ubuntu, what is missing is installed with apt-get; rustfmt and clippy
# with rustup wherever rustup is. Whatever is still missing is named in one message, with
# the command that installs it on Debian/Ubuntu and on macOS (Homebrew). Exit status 1 if a
# tool that is not optional is still missing.
set -euo pipefail

# tests/*.bats use BATS_TEST_TMPDIR and BATS_FILE_TMPDIR, which came with bats-core 1.4.0.
readonly BATS_MINIMUM=1.4.0

say() { echo "ensure-tools: $*" >&2; }

bats_version() { bats --version 2>/dev/null | awk '{ print $2; exit }'; }

# at_least VERSION MINIMUM: VERSION is MINIMUM or newer.
at_least() { [[ $(printf '%s\n' "$2" "$1" | sort -V | head -n 1) == "$2" ]]; }

# present TOOL: the tool is there and usable.
present() {
  case "$1" in
    python3-venv) python3 -c 'import venv, ensurepip' >/dev/null 2>&1 ;;
    rustfmt) cargo fmt --version >/dev/null 2>&1 ;;
    clippy) cargo clippy --version >/dev/null 2>&1 ;;
    bats) command -v bats >/dev/null 2>&1 && at_least "$(bats_version)" "$BATS_MINIMUM" ;;
    sshd) command -v sshd >/dev/null 2>&1 || [[ -x /usr/sbin/sshd ]] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

# apt_package TOOL, brew_package TOOL: what provides TOOL on Debian/Ubuntu, on macOS.
apt_package() {
  case "$1" in
    ab) echo apache2-utils ;;
    h2load) echo nghttp2-client ;;
    sshd) echo openssh-server ;;
    ssh | ssh-keygen) echo openssh-client ;;
    ip | tc) echo iproute2 ;;
    taskset | unshare) echo util-linux ;;
    *) echo "$1" ;;
  esac
}
brew_package() {
  case "$1" in
    bats) echo bats-core ;;
    python3 | python3-venv) echo python ;;
    ab) echo httpd ;;
    h2load) echo nghttp2 ;;
    sshd | ssh | ssh-keygen) echo openssh ;;
    ip | tc) echo iproute2mac ;;
    taskset | unshare) echo util-linux ;;
    *) echo "$1" ;;
  esac
}

is_rust_component() { [[ $1 == rustfmt || $1 == clippy ]]; }

# install TOOL...: with rustup (rustfmt, clippy) and, as root, with apt-get (the rest).
install() {
  local tool components=() packages=()
  for tool in "$@"; do
    if is_rust_component "$tool"; then components+=("$tool"); else packages+=("$(apt_package "$tool")"); fi
  done
  if ((${#components[@]})) && command -v rustup >/dev/null 2>&1; then
    say "installing ${components[*]} with rustup"
    rustup component add "${components[@]}" >&2 || say "rustup could not add ${components[*]}"
  fi
  if ((${#packages[@]})) && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing ${packages[*]} with apt-get"
    {
      apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${packages[@]}"
    } >&2 || say "apt-get could not install ${packages[*]}"
  fi
}

# unique WORD...: the words, each once, in their first order.
unique() { printf '%s\n' "$@" | awk '!seen[$0]++' | paste -sd' '; }

# tell NEEDED_COUNT TOOL...: the one message; the first NEEDED_COUNT tools are not optional.
tell() {
  local needed_count=$1 tool apt=() brew=() components=() needed=() optional=()
  shift
  for tool in "$@"; do
    if ((${#needed[@]} < needed_count)); then needed+=("$tool"); else optional+=("$tool"); fi
    if is_rust_component "$tool"; then
      components+=("$tool")
    else
      apt+=("$(apt_package "$tool")")
      brew+=("$(brew_package "$tool")")
    fi
  done
  local what=""
  ((${#needed[@]} == 0)) || what="missing ${needed[*]}"
  ((${#optional[@]} == 0)) || what+="${what:+; }optional, going on without: ${optional[*]}"
  say "$what. Install with:"
  if ((${#apt[@]})); then
    echo "  Debian/Ubuntu: sudo apt-get install $(unique "${apt[@]}")" >&2
    echo "  macOS:         brew install $(unique "${brew[@]}")" >&2
  fi
  ((${#components[@]} == 0)) || echo "  Rust (rustup): rustup component add ${components[*]}" >&2
  if [[ " $* " == *" bats "* ]] && command -v bats >/dev/null 2>&1; then
    echo "  (bats $(bats_version) is installed, but tests/ needs $BATS_MINIMUM or newer: where the distribution's is older, npm install -g bats)" >&2
  fi
}

main() {
  local tool after_optional=no needed=() wanted=()
  for tool in "$@"; do
    if [[ $tool == --optional ]]; then
      after_optional=yes
    elif ! present "$tool"; then
      if [[ $after_optional == yes ]]; then wanted+=("$tool"); else needed+=("$tool"); fi
    fi
  done
  ((${#needed[@]} + ${#wanted[@]})) || return 0
  install "${needed[@]}" "${wanted[@]}"

  local still_needed=() still_wanted=()
  for tool in "${needed[@]}"; do present "$tool" || still_needed+=("$tool"); done
  for tool in "${wanted[@]}"; do present "$tool" || still_wanted+=("$tool"); done
  ((${#still_needed[@]} + ${#still_wanted[@]})) || return 0
  tell "${#still_needed[@]}" "${still_needed[@]}" "${still_wanted[@]}"
  ((${#still_needed[@]} == 0))
}

main "$@"
