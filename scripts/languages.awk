# languages.awk: a run's summary.csv -> the "Rust and Python side by side" section of
# summary.md, for runs that measured both languages' servers of the same architecture.
#
#   awk -v seed=SEED_NUMBERS -f scripts/languages.awk RUN/summary.csv >> RUN/summary.md
#
# SEED_NUMBERS: optional file of lines "kind req_per_sec latency_mean_us latency_max_us",
# the seed's own published wrk figures (parsed from its logs by summarize.sh), shown in a
# column of their own: they come from another machine and are never compared with the run.
# Prints nothing when no architecture was measured in both languages. POSIX awk (mawk).

BEGIN { FS = "," }

# Column names from the header, so new columns in summary.csv do not break this.
NR == 1 {
  for (i = 1; i <= NF; i++) col[$i] = i
  next
}

function f(name) { return (name in col) ? $(col[name]) : "" }

# Successful points only; several runs of a variant are averaged.
f("status") == "ok" {
  key = f("family") SUBSEP f("kind")
  if (!(key in runs)) { variant[key] = f("variant") }
  runs[key]++
  rate[key] += f("req_per_sec")
  mean[key] += f("latency_mean_us")
  if (f("latency_max_us") + 0 > max[key] + 0) max[key] = f("latency_max_us")
  p99[key] += f("latency_p99_us")
  timeouts[key] += f("errors_timeout")
  if (f("requests") + 0 > 0 && f("server_cpu_s") != "") {
    cpu_us[key] += 1000000 * f("server_cpu_s") / f("requests")
    cpu_runs[key]++
  }
  kinds[f("kind")] = 1
}

function ms(us) {
  if (us == "") return "—"
  us += 0
  if (us >= 1000000) return sprintf("%.2f s", us / 1000000)
  if (us >= 1000) return sprintf("%.1f ms", us / 1000)
  return sprintf("%.0f µs", us)
}
function req(r) { r += 0; return (r >= 100) ? sprintf("%.0f", r) : sprintf("%.1f", r) }
function times(x) { return (x >= 10) ? sprintf("%.0f×", x) : sprintf("%.2f×", x) }
function cell(key) {
  return sprintf("%s: %s req/s, %s avg, %s p99, %s max", variant[key], req(rate[key] / runs[key]),
    ms(mean[key] / runs[key]), ms(p99[key] / runs[key]), ms(max[key]))
}
function cpu(key) { return (key in cpu_runs) ? cpu_us[key] / cpu_runs[key] : "" }

END {
  if (seed != "") {
    while ((getline line < seed) > 0) {
      split(line, part, " ")
      seed_rate[part[1]] = part[2]; seed_mean[part[1]] = part[3]; seed_max[part[1]] = part[4]
    }
  }
  order = "sync async async-blocking async-blocking-offload"
  n = split(order, wanted, " ")
  shown = 0
  for (i = 1; i <= n; i++) {
    k = wanted[i]
    if (!((("rust" SUBSEP k) in runs) && (("python" SUBSEP k) in runs))) continue
    if (!shown) {
      print ""
      print "## Rust and Python, side by side"
      print ""
      print "The same architecture in both languages, measured in this run, on this machine, under the"
      print "same load. The last column is the seed's own Python figures, from the seed's machine (unknown"
      print "hardware): shown for orientation, never compared with this run's numbers."
      print ""
      print "| Architecture | Rust | Python | Rust ÷ Python (req/s) | Python ÷ Rust (avg latency) | CPU per request, Rust / Python | The seed's Python, its machine |"
      print "|---|---|---|---|---|---|---|"
      shown = 1
    }
    r = "rust" SUBSEP k; p = "python" SUBSEP k
    seed_cell = (k in seed_rate) ? sprintf("%s req/s, %s avg, %s max", req(seed_rate[k]), ms(seed_mean[k]), ms(seed_max[k])) : "—"
    cpu_cell = (cpu(r) != "" && cpu(p) != "") ? sprintf("%.0f µs / %.0f µs", cpu(r), cpu(p)) : "—"
    printf "| %s | %s | %s | %s | %s | %s | %s |\n", k, cell(r), cell(p),
      times((rate[r] / runs[r]) / (rate[p] / runs[p])), times((mean[p] / runs[p]) / (mean[r] / runs[r])),
      cpu_cell, seed_cell
    ratio[k] = (rate[r] / runs[r]) / (rate[p] / runs[p])
  }
  if (!shown) exit
  print ""
  print "Timeouts (wrk's `--timeout`) are left out of every latency figure; see the main table."
  r = "rust" SUBSEP "async"; p = "python" SUBSEP "async"
  if ((r in runs) && (p in runs)) {
    print ""
    printf "*Why the async servers differ:* both overlap every connection's wait, so both are bounded by"
    printf " connections / delay; what separates them is the work around the wait. %s spent %s of CPU per",
      variant[p], (cpu(p) != "" ? sprintf("%.0f µs", cpu(p)) : "an unmeasured amount")
    printf " request, %s %s, on one event-loop thread that also has to share the machine's cores with wrk:",
      variant[r], (cpu(r) != "" ? sprintf("%.0f µs", cpu(r)) : "(not measured)")
    printf " the Python loop's turns grow longer, each request waits for more of them beyond its 10 ms,"
    printf " and at connections / latency that is %s the throughput for Rust.\n", times(ratio["async"])
  }
  if (("sync" in ratio) || ("async-blocking" in ratio)) {
    print ""
    printf "*Why the blocking ones are alike:* a blocked thread serves one request per delay whatever the"
    printf " language, so both are held near workers / delay; the language only changes the small"
    printf " overhead around each 10 ms wait, and where the waiting requests queue (see observation 3).\n"
  }
}
