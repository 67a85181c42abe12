# summarize-sweep.awk: a sweep's charts' data and the top of its summary.md.
#
#   awk -v md=... -v csv=... (as for summarize.awk) -v sweep_md=OUT/sweep.md \
#       -v chart_dir=OUT/charts -v variants="a b" -v base_delay=10 -v base_connections=100 \
#       -v run_notes=... -f scripts/summarize.awk -f scripts/summarize-sweep.awk POINT/numbers.txt...
#
# Loaded after summarize.awk, whose functions it uses (ms, rate, pct, fraction, cpu_reason, ...)
# and whose END (the table of every point) runs first. Writes:
#   chart_dir/<sweep>.dat        one block per variant, sorted by x: the charts' data
#   chart_dir/<sweep>.variants   the variants that have a block, in order (gnuplot's titles)
#   sweep_md                     the charts, where each variant leaves its bound and why,
#                                the delay and workers sweeps, and the points missing.
# POSIX awk only (runs on mawk).

# The sweeps a point belongs to: recorded by sweep.sh, or worked out from its settings.
function in_sweep(p, sweep) {
  if (has(p, "sweeps")) return index("," v(p, "sweeps") ",", "," sweep ",") > 0
  if (sweep == "connections") return num(p, "delay_ms") == base_delay && num(p, "workers") == 1
  if (sweep == "delay") return num(p, "connections") == base_connections && num(p, "workers") == 1
  if (sweep == "workers") return num(p, "connections") == base_connections && num(p, "delay_ms") == base_delay && v(p, "blocks") == "yes"
  return 0
}
function x_of(p, sweep) {
  return sweep == "connections" ? num(p, "connections") : sweep == "delay" ? num(p, "delay_ms") : num(p, "workers")
}
function or_nan(text) { return text == "" ? "NaN" : text }
function ms_number(us) { return us == "" ? "NaN" : sprintf("%.3f", us / 1000) }

# collect SWEEP NAME: sets picked[1..picked_count] to that variant's points in the sweep,
# sorted by x (all outcomes; ok(p) tells which were measured).
function collect(sweep, name,   i, j, p) {
  picked_count = 0
  for (i = 1; i <= points; i++) {
    p = order[i]
    if (v(p, "variant") != name || !in_sweep(p, sweep)) continue
    for (j = picked_count; j >= 1 && x_of(picked[j], sweep) > x_of(p, sweep); j--) picked[j + 1] = picked[j]
    picked[j + 1] = p
    picked_count++
  }
}

# write_data SWEEP: chart_dir/SWEEP.dat and chart_dir/SWEEP.variants; returns how many
# variants have at least one measured point in it.
function write_data(sweep,   file, names, i, k, p, blocks, count) {
  file = chart_dir "/" sweep ".dat"
  names = chart_dir "/" sweep ".variants"
  printf "" > names
  blocks = 0
  printf "# %s sweep, one block per variant (%s); latencies over answered requests\n", sweep, variants > file
  for (k = 1; k <= sweep_variant_count; k++) {
    collect(sweep, sweep_variants[k])
    count = 0
    for (i = 1; i <= picked_count; i++) if (ok(picked[i])) count++
    if (count == 0) continue
    if (blocks++) printf "\n\n" > file
    printf "# %s\n# %s req_per_sec bound_req_per_sec effective_bound_req_per_sec p50_ms p99_ms mean_ms timeouts server_cpu_s client_cpu_s peak_rss_mb threads\n", \
      sweep_variants[k], (sweep == "delay" ? "delay_ms" : sweep) > file
    for (i = 1; i <= picked_count; i++) {
      p = picked[i]
      if (!ok(p)) continue
      printf "%s %s %s %s %s %s %s %d %s %s %.1f %s\n", x_of(p, sweep), v(p, "req_per_sec"), \
        or_nan(v(p, "bound_req_per_sec")), or_nan(v(p, "effective_bound_req_per_sec")), \
        ms_number(v(p, "latency_p50_us")), ms_number(v(p, "latency_p99_us")), ms_number(v(p, "latency_mean_us")), \
        num(p, "errors_timeout"), or_nan(v(p, "server_cpu_s")), or_nan(v(p, "client_cpu_s")), \
        num(p, "server_peak_rss_kb") / 1024, or_nan(v(p, "server_threads_max")) > file
    }
    print sweep_variants[k] > names
  }
  close(file)
  close(names)
  return blocks
}

# chart NAME ALT DATA: embed one chart (or say why it is not there).
function chart(name, alt, data) {
  if (have_gnuplot == "yes") printf "![%s](charts/%s.svg)\n\n", alt, name > sweep_md
  else printf "*%s*: not drawn, gnuplot is not installed (its data: `charts/%s.dat`).\n\n", alt, data > sweep_md
}

# missing SWEEP: the points of a sweep that are not in its charts, and why.
function missing(sweep,   i, p, count) {
  count = 0
  for (i = 1; i <= points; i++) {
    p = order[i]
    if (ok(p) || !in_sweep(p, sweep)) continue
    if (count++ == 0) printf "**Missing from the %s charts:**", sweep > sweep_md
    printf " %s at c=%s d=%s ms w=%s (%s: %s);", v(p, "variant"), v(p, "connections"), v(p, "delay_ms"), \
      v(p, "workers"), outcome(p), (v(p, "failure") == "" ? "the run stopped during it" : v(p, "failure")) > sweep_md
  }
  if (count) printf "\n\n" > sweep_md
  return count
}

# why(p): the reasons a point is below its bound, in numbers.
function why(p,   text) {
  text = ""
  if (has(p, "unloaded_latency_mean_us") && num(p, "delay_ms") > 0 && num(p, "unloaded_latency_mean_us") > LONGER_WAIT * num(p, "delay_ms") * 1000)
    text = text sprintf(" The wait itself is longer than the delay: one request alone takes %s, not %s ms (timer granularity and overhead: +%s), so its effective bound is %s req/s, of which it reached %s.", \
      ms(v(p, "unloaded_latency_mean_us")), v(p, "delay_ms"), ms(num(p, "unloaded_latency_mean_us") - num(p, "delay_ms") * 1000), \
      rate(v(p, "effective_bound_req_per_sec")), pct(effective_fraction(p)))
  else if (effective_fraction(p) != "")
    text = text sprintf(" Its effective bound (concurrency / unloaded latency %s) is %s req/s, of which it reached %s.", \
      ms(v(p, "unloaded_latency_mean_us")), rate(v(p, "effective_bound_req_per_sec")), pct(effective_fraction(p)))
  text = text cpu_reason(p)
  if (num(p, "errors_timeout") > 0)
    text = text sprintf(" wrk's --timeout %s dropped %d slow requests from its latencies.", v(p, "timeout"), num(p, "errors_timeout"))
  if (errors(p) > 0) text = text sprintf(" %d socket errors or non-2xx answers.", errors(p))
  return text
}

function at(p) { return "c=" v(p, "connections") }

# explain_connections NAME: where the variant leaves its bound as connections grow, and why.
function explain_connections(name,   i, p, first, last, kept, left, low, high, timeouts, shown) {
  collect("connections", name)
  first = 0; last = 0; kept = 0; left = 0; low = ""; high = ""; timeouts = 0
  for (i = 1; i <= picked_count; i++) {
    p = picked[i]
    if (!ok(p)) continue
    if (!first) first = p
    last = p
    timeouts += num(p, "errors_timeout")
    if (low == "" || num(p, "req_per_sec") < low) low = num(p, "req_per_sec")
    if (high == "" || num(p, "req_per_sec") > high) { high = num(p, "req_per_sec"); peak = p }
    if (fraction(p) == "") continue
    if (!left && fraction(p) >= NEAR_BOUND) kept = p
    else if (!left) left = p
  }
  printf "- **%s** (bound: %s).", name, v(first ? first : picked[1], "bound_rule") > sweep_md
  if (!first) { printf " No point of this sweep was measured.\n" > sweep_md; return }
  if (v(first, "blocks") == "yes") {
    printf " The bound does not grow with the connections: a blocked thread serves one request per %s ms, so from %s to %s it served %s–%s req/s (%s–%s of its %s req/s bound), while the latency grew with the queue in front of that thread: p50 %s at %s, %s at %s (steady state by Little's law: connections / throughput = %s at %s).", \
      v(first, "delay_ms"), at(first), at(last), rate(low), rate(high), pct(low / num(first, "bound_req_per_sec")), \
      pct(high / num(first, "bound_req_per_sec")), rate(v(first, "bound_req_per_sec")), ms(v(first, "latency_p50_us")), at(first), \
      ms(v(last, "latency_p50_us")), at(last), ms(num(last, "connections") / num(last, "req_per_sec") * 1000000), at(last) > sweep_md
    if (left) printf " It fell below %s of the bound at %s (%s req/s):%s", pct(NEAR_BOUND), at(left), rate(v(left, "req_per_sec")), why(left) > sweep_md
  } else if (!left) {
    printf " It stayed within %s of its bound at every point, up to %s req/s at %s.%s", pct(NEAR_BOUND), rate(v(last, "req_per_sec")), at(last), \
      (has(last, "effective_bound_req_per_sec") ? sprintf(" (%s of the effective bound there.)", pct(effective_fraction(last))) : "") > sweep_md
  } else {
    if (kept) printf " It followed its bound (at least %s of it) up to %s: %s req/s, %s of %s.", pct(NEAR_BOUND), at(kept), \
      rate(v(kept, "req_per_sec")), pct(fraction(kept)), rate(v(kept, "bound_req_per_sec")) > sweep_md
    printf " **It leaves its bound at %s**: %s req/s, %s of %s.%s", at(left), rate(v(left, "req_per_sec")), pct(fraction(left)), \
      rate(v(left, "bound_req_per_sec")), why(left) > sweep_md
    if (last != left) printf " At %s: %s req/s, %s of its %s req/s bound.%s", at(last), rate(v(last, "req_per_sec")), \
      pct(fraction(last)), rate(v(last, "bound_req_per_sec")), why(last) > sweep_md
    printf " Its peak: %s req/s at %s.", rate(high), at(peak) > sweep_md
  }
  if (timeouts > 0) printf " **%d requests timed out** across this sweep (wrk `--timeout %s`) and are missing from its latency figures.", timeouts, v(last, "timeout") > sweep_md
  printf " At %s: peak RSS %.1f MB, %s threads, p99 latency %s.\n", at(last), num(last, "server_peak_rss_kb") / 1024, \
    v(last, "server_threads_max"), ms(v(last, "latency_p99_us")) > sweep_md
}

# explain_line SWEEP NAME UNIT: one line per variant: req/s and share of the bounds at each x.
function explain_line(sweep, name, unit,   i, p, count) {
  collect(sweep, name)
  count = 0
  for (i = 1; i <= picked_count; i++) {
    p = picked[i]
    printf "%s %s: ", (count++ ? ";" : "- **" name "**:"), (sweep == "workers" ? x_of(p, sweep) " worker" (x_of(p, sweep) == 1 ? "" : "s") : x_of(p, sweep) unit) > sweep_md
    if (!ok(p)) { printf "**%s**", outcome(p) > sweep_md; continue }
    printf "%s req/s", rate(v(p, "req_per_sec")) > sweep_md
    if (fraction(p) != "") printf " (%s of %s", pct(fraction(p)), rate(v(p, "bound_req_per_sec")) > sweep_md
    else printf " (no bound at delay 0" > sweep_md
    if (effective_fraction(p) != "") printf ", %s of effective %s)", pct(effective_fraction(p)), rate(v(p, "effective_bound_req_per_sec")) > sweep_md
    else printf ")" > sweep_md
  }
  if (count) printf ".\n" > sweep_md
}

# explain_worst SWEEP NAME: the reasons at the point furthest below its effective bound.
function explain_worst(sweep, name,   i, p, worst, f) {
  collect(sweep, name)
  worst = 0
  for (i = 1; i <= picked_count; i++) {
    p = picked[i]
    if (!ok(p)) continue
    f = effective_fraction(p) != "" ? effective_fraction(p) : fraction(p)
    if (f != "" && f < NEAR_BOUND && (!worst || f < worst_f)) { worst = p; worst_f = f }
  }
  if (worst) printf "  Furthest below its bounds at %s=%s:%s\n", sweep, x_of(worst, sweep), why(worst) > sweep_md
}

END {
  sweep_variant_count = split(variants, sweep_variants, " ")
  has_connections = write_data("connections")
  has_delay = write_data("delay")
  has_workers = write_data("workers")

  print "## Charts" > sweep_md
  print "" > sweep_md
  if (has_connections) {
    chart("throughput-vs-connections", "Throughput against connections, with each variant's bounds", "connections")
    chart("latency-vs-connections", "p50 and p99 latency against connections", "connections")
  }
  missing("connections")
  if (has_delay) chart("throughput-vs-delay", "Throughput against the delay per request", "delay")
  missing("delay")
  if (has_workers) chart("throughput-vs-workers", "Throughput against workers, blocking variants", "workers")
  missing("workers")
  print "Solid lines: measured. Dashed: the Little's-law bound, concurrency / delay (concurrency: the" > sweep_md
  print "workers where the wait blocks a thread, else the connections). Dotted: the effective bound," > sweep_md
  print "concurrency / the unloaded latency that each point measured first (wrk -t1 -c1): the wait as" > sweep_md
  print "it really is. Each chart's data is beside it in `charts/` (`<sweep>.dat`)." > sweep_md

  if (has_connections) {
    print "" > sweep_md
    printf "## Where each variant leaves its bound (connections, at %s ms)\n\n", base_delay > sweep_md
    for (k = 1; k <= sweep_variant_count; k++) explain_connections(sweep_variants[k])
  }
  if (has_delay) {
    print "" > sweep_md
    printf "## Delay (at %s connections)\n\n", base_connections > sweep_md
    for (k = 1; k <= sweep_variant_count; k++) { explain_line("delay", sweep_variants[k], " ms"); explain_worst("delay", sweep_variants[k]) }
  }
  if (has_workers) {
    print "" > sweep_md
    printf "## Workers (at %s connections, %s ms)\n\n", base_connections, base_delay > sweep_md
    for (k = 1; k <= sweep_variant_count; k++) { explain_line("workers", sweep_variants[k], " workers"); explain_worst("workers", sweep_variants[k]) }
  }
  if (run_notes != "") { print "" > sweep_md; print run_notes > sweep_md }
  close(sweep_md)
}
