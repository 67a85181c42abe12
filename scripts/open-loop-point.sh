#!/usr/bin/env bash
# One open-loop point: a bench point's phases (scripts/measure-point.sh: start, check, the
# unloaded primer, stop) around an oha run at a fixed rate instead of wrk.
#
# Sourced by scripts/latency.sh after lib.sh and measure-point.sh; defines
# measure_open_loop_point. OHA_BIN must name the oha binary (scripts/ensure-oha.sh).
#
# Writes, beside the bench point's files (numbers.txt, primer.txt, server.log), oha.json:
# oha's JSON report, as printed. numbers.txt gains the load: rate=, fraction=,
# bound_req_per_sec=, connections_wanted=, length=full|half, oha_command=, oha_exit=.
# shellcheck shell=bash

# measure_open_loop_point RATE FRACTION BOUND WANTED LENGTH POINT_OPTIONS...: the point's
# phases in order. RATE is the offered req/s; FRACTION and BOUND what it is of the variant's
# bound (empty without one); WANTED the connections rate × latency asked for before the floor
# and cap (the given ones are in POINT_OPTIONS, --connections); LENGTH full or half.
# POINT_OPTIONS are measure_point's. Returns 1 if a phase failed (recorded in numbers.txt).
measure_open_loop_point() {
  local rate=$1 fraction=$2 bound=$3 wanted=$4 length=$5
  shift 5
  # No warm-up: an open-loop load has no closed-loop equivalent to warm with, and a fresh
  # server is what each point measures. wrk's threads matter only to the primer (-t1).
  point_settings "$@" --warmup 0 --threads 1
  record rate "$rate"
  record fraction "$fraction"
  record bound_req_per_sec "$bound"
  record connections_wanted "$wanted"
  record length "$length"
  point_start || return 1
  point_check || return 1
  point_unloaded || return 1
  point_measure_open_loop "$rate"
  point_stop_server oha oha.json || return 1
  point_verdict oha oha.json
}

# point_measure_open_loop RATE: oha at RATE req/s for the point's duration, each request
# timed from when it was due (--latency-correction), sampling CPU as a wrk run is sampled.
point_measure_open_loop() {
  local oha_args=(-q "$1" --latency-correction -z "$(duration_ms "$P_DURATION")ms"
    -c "$P_CONNECTIONS" -t "$(duration_ms "$P_TIMEOUT")ms" --no-tui --output-format json "$POINT_URL")
  measured_run "$POINT_DIR/oha.json" oha "$OHA_BIN" "${oha_args[@]}"
}
