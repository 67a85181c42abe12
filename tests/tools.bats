#!/usr/bin/env bats
# scripts/ensure-tools.sh: what a machine without wrk (or bats, shellcheck) is told.

load test_helper

@test "present tools: nothing to do, nothing printed" {
  run "$SCRIPTS/ensure-tools.sh" bash awk
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "a missing tool where it cannot install: says exactly what to install, fails" {
  # Pretend not to be root, so it must not try apt-get.
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  printf '#!/bin/sh\necho 1000\n' >"$BATS_TEST_TMPDIR/bin/id"
  chmod +x "$BATS_TEST_TMPDIR/bin/id"
  PATH="$BATS_TEST_TMPDIR/bin:$PATH" run "$SCRIPTS/ensure-tools.sh" bash no-such-wrk gnuplot-or-not
  [ "$status" -eq 1 ]
  [[ $output == *"ensure-tools: missing no-such-wrk gnuplot-or-not."* ]]
  [[ $output == *"sudo apt-get install no-such-wrk gnuplot-or-not"* ]]
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
