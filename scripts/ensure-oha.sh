#!/usr/bin/env bash
# Print the path of the open-loop load generator, oha, building it once per machine if needed.
#
# Usage: scripts/ensure-oha.sh
#
# oha (crates.io) sends requests at a fixed rate (-q) and, with --latency-correction, times
# each one from when it was due, not from when a free connection sent it: what `make latency`
# needs, and what wrk (a closed loop) cannot do. It is built with `cargo install --locked`
# at the version pinned below (with its default features: 1.16.0 does not build without a
# TLS backend), into a cache folder outside the clone that every checkout on the machine
# shares (CI's fresh clone too): ${XDG_CACHE_HOME:-~/.cache}/sync-vs-async-bench/
# oha-VERSION/bin/oha. The first build takes 5 to 20 minutes on 2 cores, depending on what
# else runs, and shows its progress; a build that fails keeps what it compiled for the next
# attempt; later calls print the path at once. Settings, from the environment:
#   OHA=PATH             use this oha binary instead (nothing is built)
#   OHA_CACHE_DIR=DIR    the cache folder (default above)
#   CARGO=cargo          the cargo to build with
# A generator that is missing and cannot be built ends with one line on stderr, starting
# "error: oha ", and exit status 1.
set -euo pipefail

readonly OHA_VERSION=1.16.0
CACHE_DIR=${OHA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sync-vs-async-bench}
readonly CACHE_DIR
readonly INSTALL_ROOT="$CACHE_DIR/oha-$OHA_VERSION"
readonly BINARY="$INSTALL_ROOT/bin/oha"
readonly BUILD_LOG="$CACHE_DIR/oha-$OHA_VERSION.build.log"
# cargo's target folder for the build: kept if a build fails, so the next one resumes.
readonly BUILD_DIR="$CACHE_DIR/oha-$OHA_VERSION.build"
CARGO=${CARGO:-cargo}

log() { printf 'ensure-oha: %s\n' "$*" >&2; }

# give_up WHY: the one message for a generator that is missing and cannot be had.
give_up() {
  log "$1"
  printf 'error: oha %s (the open-loop load generator) is missing and could not be installed (cargo install --locked oha --version %s --root %s): install cargo (Rust), or set OHA=/path/to/oha\n' \
    "$OHA_VERSION" "$OHA_VERSION" "$INSTALL_ROOT" >&2
  exit 1
}

# works BINARY: it runs and says which version it is (sets FOUND_VERSION).
works() {
  local output
  output=$("$1" --version 2>/dev/null) || return 1
  FOUND_VERSION=${output#oha }
  [[ -n $FOUND_VERSION ]]
}

# build: cargo install into a fresh folder beside the cache, then one rename, so a build
# that fails or is interrupted never leaves a half-installed oha where the next run looks.
build() {
  command -v "$CARGO" >/dev/null 2>&1 || give_up "cargo ('$CARGO') not found: install Rust (https://rustup.rs)"
  local partial="$INSTALL_ROOT.partial.$$" started=$SECONDS crates=0 line status
  trap 'rm -rf "$partial"' EXIT
  log "building oha $OHA_VERSION once for this machine into $INSTALL_ROOT"
  log "(5 to 20 minutes on 2 cores, once: every checkout reuses it; full log: $BUILD_LOG)"
  set +e
  "$CARGO" install --locked --version "$OHA_VERSION" --root "$partial" --target-dir "$BUILD_DIR" \
    oha 2>&1 | tee "$BUILD_LOG" | while IFS= read -r line; do
    if [[ $line =~ ^[[:space:]]*Compiling[[:space:]](.*)$ ]]; then
      crates=$((crates + 1))
      log "[$((SECONDS - started))s, $crates crates] compiling ${BASH_REMATCH[1]}"
    fi
  done
  status=${PIPESTATUS[0]}
  set -e
  if ((status != 0)) || ! works "$partial/bin/oha"; then
    tail -n 15 "$BUILD_LOG" | sed 's/^/  | /' >&2
    give_up "cargo install failed (exit $status) after $((SECONDS - started))s"
  fi
  rm -rf "$BUILD_DIR" "$INSTALL_ROOT"
  mv "$partial" "$INSTALL_ROOT"
  trap - EXIT
  log "oha $OHA_VERSION built in $((SECONDS - started))s: $BINARY"
}

main() {
  (($# == 0)) || {
    sed -n '/^# Usage:/,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2
    exit 2
  }
  if [[ -n ${OHA:-} ]]; then
    works "$OHA" || give_up "OHA=$OHA does not run"
    [[ $FOUND_VERSION == "$OHA_VERSION" ]] ||
      log "warning: OHA=$OHA is oha $FOUND_VERSION; the report reads the JSON of oha $OHA_VERSION"
    echo "$OHA"
    return 0
  fi
  if works "$BINARY"; then
    echo "$BINARY"
    return 0
  fi
  mkdir -p "$CACHE_DIR" 2>/dev/null || give_up "cannot create the cache folder $CACHE_DIR"
  # One build per machine: a second checkout waits for the first one's build, then uses it.
  exec 8>>"$CACHE_DIR/oha-$OHA_VERSION.lock"
  if ! flock -n 8; then
    log "another checkout is building oha $OHA_VERSION; waiting for it"
    flock 8
  fi
  works "$BINARY" || build
  echo "$BINARY"
}

main "$@"
