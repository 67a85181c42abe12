#!/usr/bin/env bash
# Make sure the command-line tools the tests and benchmarks need are installed.
#
# Usage: scripts/ensure-tools.sh TOOL...   (e.g. wrk bats shellcheck gnuplot ab h2load)
# Installs what is missing with apt-get where we are root on a Debian-like system;
# otherwise names exactly what to install and exits non-zero.
set -euo pipefail

# Debian package that provides each tool.
package_for() {
  case "$1" in
    gnuplot) echo gnuplot-nox ;;
    ab) echo apache2-utils ;;
    h2load) echo nghttp2-client ;;
    hey) echo hey ;;
    wget) echo wget ;;
    *) echo "$1" ;;
  esac
}

main() {
  local missing=() packages=() tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  for tool in "${missing[@]}"; do packages+=("$(package_for "$tool")"); done

  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-tools: installing ${packages[*]} with apt-get" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >&2
    return 0
  fi
  echo "ensure-tools: missing ${missing[*]}." >&2
  echo "  Install them, e.g.: sudo apt-get install ${packages[*]}" >&2
  echo "  (macOS: brew install ${missing[*]/gnuplot/gnuplot})" >&2
  exit 1
}

main "$@"
