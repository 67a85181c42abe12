# summarize.awk: points' numbers.txt files -> summary.md and summary.csv.
#
#   awk -v md=OUT/summary.md -v csv=OUT/summary.csv -v title=... -v context=... \
#       -f scripts/summarize.awk POINT/numbers.txt...
#
# Called by scripts/summarize.sh, which says where the files and the context come from.
# Each numbers.txt holds key=value lines (the last value of a key wins). The seed's three
# observations are checked per family (rust, python) from the run's own numbers, with the
# thresholds below stated in the text. POSIX awk only (runs on mawk).
# -v with_observations=no leaves the seed's observations out (a sweep's table of every point).

# Thresholds, stated in the summary wherever they are used.
BEGIN {
  MORE_FACTOR = 2         # "significantly more requests": at least 2x each other variant
  LOWER_FACTOR = 0.5      # "significantly lower latency": at most half of each other's
  SAME_BAND = 0.2         # latencies within +-20% count as the same
  NEAR_BOUND = 0.8        # a variant below 80% of its Little's-law bound is flagged
  OVER_BOUND = 1.1        # above 110% the bound's assumptions do not hold: flagged
  VISIBLE = 0.8           # in flight >= 80% of connections: wrk's clock saw the whole queue
  LONGER_WAIT = 1.05      # an unloaded request 5% over the delay: the wait itself is longer
  SHORT_OF_BOUND = 0.9    # ... which is worth a note once a variant is below 90% of its bound
  BUSY = 0.8              # 80% of a core per thread (or of the machine): out of CPU
  points = 0
}

FNR == 1 { points++ }
{
  eq = index($0, "=")
  if (eq == 0) next
  val[points, substr($0, 1, eq - 1)] = substr($0, eq + 1)
}

function v(p, key) { return ((p SUBSEP key) in val) ? val[p, key] : "" }
function num(p, key) { return v(p, key) + 0 }
function has(p, key) { return v(p, key) != "" }

function ms(us) {
  if (us == "") return "—"
  us += 0
  if (us >= 1000000) return sprintf("%.2f s", us / 1000000)
  if (us >= 1000) return sprintf("%.2f ms", us / 1000)
  return sprintf("%.0f µs", us)
}
function rate(r) {
  if (r == "") return "—"
  r += 0
  return (r >= 100) ? sprintf("%.0f", r) : sprintf("%.1f", r)
}
function times(x) { return (x >= 10) ? sprintf("%.0f×", x) : sprintf("%.2f×", x) }
function pct(x) { return sprintf("%.0f%%", x * 100) }
function csv_field(text) {
  if (text ~ /[",\n]/) { gsub(/"/, "\"\"", text); return "\"" text "\"" }
  return text
}
function errors(p) {
  return num(p, "errors_connect") + num(p, "errors_read") + num(p, "errors_write") + num(p, "errors_status")
}
function in_flight(p) { return num(p, "req_per_sec") * num(p, "latency_mean_us") / 1000000 }
function fraction(p) {
  return has(p, "bound_req_per_sec") && num(p, "bound_req_per_sec") > 0 ? num(p, "req_per_sec") / num(p, "bound_req_per_sec") : ""
}
function effective_fraction(p) {
  return has(p, "effective_bound_req_per_sec") && num(p, "effective_bound_req_per_sec") > 0 ? num(p, "req_per_sec") / num(p, "effective_bound_req_per_sec") : ""
}
function unloaded(p) {
  return has(p, "unloaded_latency_mean_us") ? ms(v(p, "unloaded_latency_mean_us")) " / " ms(v(p, "unloaded_latency_p99_us")) : "—"
}
function seconds_of(p) { return num(p, "duration_us") / 1000000 }
# Why a point is below a bound, from the CPU seconds: the server's, wrk's, or the machine's.
function cpu_reason(p,   seconds, server_share, client_share, machine_share, others, text) {
  seconds = seconds_of(p)
  if (seconds <= 0 || !has(p, "server_cpu_s")) return ""
  server_share = num(p, "server_cpu_s") / seconds
  client_share = num(p, "client_cpu_s") / seconds
  machine_share = has(p, "machine_cpu_busy_s") ? num(p, "machine_cpu_busy_s") / seconds : ""
  others = num(p, "machine_cpu_busy_s") - num(p, "server_cpu_s") - num(p, "client_cpu_s")
  text = sprintf(" The server used %.2f s of CPU in %.1f s (%.0f%% of one core)", num(p, "server_cpu_s"), seconds, server_share * 100)
  if (has(p, "client_cpu_s")) text = text sprintf(", wrk %.2f s (%.0f%%)", num(p, "client_cpu_s"), client_share * 100)
  if (machine_share != "")
    text = text sprintf(", the whole machine %.2f s (%.0f%% of its %s cores; other processes %.2f s)", num(p, "machine_cpu_busy_s"), \
      machine_share * 100 / (cores + 0 > 0 ? cores : 1), cores, (others > 0 ? others : 0))
  text = text (machine_share != "" ? ": " : sprintf("; the machine has %s cores, shared by both: ", cores))
  if (server_share >= BUSY * num(p, "workers") || (cores + 0 > 0 && server_share >= BUSY * cores))
    return text "the server ran out of CPU (" v(p, "workers") " worker thread(s)): CPU, not the wait, is the limit."
  if (machine_share != "" && cores + 0 > 0 && machine_share >= BUSY * cores)
    return text sprintf("the machine ran out of CPU (busy %.0f%% of its %s cores%s): CPU, not the wait, is the limit.", machine_share * 100 / cores, cores, \
      (others > 0.2 * num(p, "machine_cpu_busy_s") ? sprintf(", %.0f%% of it other processes than the server and wrk: a busy machine, measure again when it is quiet", others * 100 / num(p, "machine_cpu_busy_s")) : ""))
  if (machine_share == "" && has(p, "client_cpu_s") && cores + 0 > 0 && server_share + client_share >= BUSY * cores)
    return text sprintf("the machine ran out of CPU (server and wrk together %.0f%% of %s cores): CPU, not the wait, is the limit.", (server_share + client_share) * 100, cores)
  if (has(p, "unloaded_latency_mean_us") && num(p, "latency_mean_us") > num(p, "unloaded_latency_mean_us"))
    return text sprintf("neither ran out of CPU. Under load a request took %s, against %s alone (+%s): that extra wait, in the server's queue or in wrk's own event loop, is the rest of the gap (Little's law with %.1f in flight).", \
      ms(v(p, "latency_mean_us")), ms(v(p, "unloaded_latency_mean_us")), ms(num(p, "latency_mean_us") - num(p, "unloaded_latency_mean_us")), in_flight(p))
  return text "neither ran out of CPU, so look at the client (wrk shares the cores), errors and the in-flight count."
}
function ok(p) { return v(p, "status") == "ok" }
# A point that is neither ok nor failed was still running when the run stopped.
function outcome(p) { return v(p, "status") == "failed" ? "FAILED" : v(p, "status") == "skipped" ? "SKIPPED" : "INTERRUPTED" }
function label(p) { return v(p, "variant") (runs_max > 1 ? " #" v(p, "run") : "") }

# Order the points by seq (the order they ran in): insertion sort into order[1..points].
function sort_points(   i, j, p) {
  for (i = 1; i <= points; i++) {
    p = i
    for (j = i - 1; j >= 1 && num(order[j], "seq") > num(p, "seq"); j--) order[j + 1] = order[j]
    order[j + 1] = p
  }
}

# Per variant: the mean over its successful runs, for the observations.
function aggregate(   i, p, name) {
  variant_count = 0
  for (i = 1; i <= points; i++) {
    p = order[i]
    name = v(p, "variant")
    if (!(name in variant_seen)) {
      variant_seen[name] = 1
      variant_list[++variant_count] = name
      family_of[name] = v(p, "family")
      kind_of[name] = v(p, "kind")
      example[name] = p
    }
    if (!ok(p)) { failed_runs[name]++; continue }
    ok_runs[name]++
    sum_rate[name] += num(p, "req_per_sec")
    sum_latency[name] += num(p, "latency_mean_us")
    sum_flight[name] += in_flight(p)
    sum_timeouts[name] += num(p, "errors_timeout")
    sum_errors[name] += errors(p)
    if (fraction(p) != "") { sum_fraction[name] += fraction(p); bound_of[name] = num(p, "bound_req_per_sec") }
  }
}
function mean_rate(n) { return sum_rate[n] / ok_runs[n] }
function mean_latency(n) { return sum_latency[n] / ok_runs[n] }
function mean_flight(n) { return sum_flight[n] / ok_runs[n] }
function runs_note(n) { return ok_runs[n] > 1 ? sprintf(" (mean of %d runs)", ok_runs[n]) : "" }
function bound_note(n) {
  return (n in bound_of) ? sprintf("%s of its %s req/s bound", pct(sum_fraction[n] / ok_runs[n]), rate(bound_of[n])) : "no bound at delay 0"
}

function table(   i, p, varying, header, line, f, errs) {
  varying = 0
  for (i = 2; i <= points; i++) {
    p = order[i]
    if (v(p, "connections") != v(order[1], "connections") || v(p, "delay_ms") != v(order[1], "delay_ms") || v(p, "workers") != v(order[1], "workers")) varying = 1
  }
  header = "| Variant |" (varying ? " Conns | Delay | Workers |" : "") \
    " Req/sec | Avg latency | Max latency | p50 | p99 | Errors | Timeouts | In flight | CPU s | Peak RSS | Threads | Bound (req/s) | Of bound | Unloaded latency (mean / p99) | Effective bound | Of effective |"
  print header > md
  line = header
  gsub(/[^|]+/, "---", line)
  print line > md
  for (i = 1; i <= points; i++) {
    p = order[i]
    line = "| " label(p) " |"
    if (varying) line = line " " v(p, "connections") " | " v(p, "delay_ms") " ms | " v(p, "workers") " |"
    if (!ok(p)) {
      print line " **" outcome(p) "** | — | — | — | — | — | — | — | — | — | — | " rate(v(p, "bound_req_per_sec")) " | — | " unloaded(p) " | " rate(v(p, "effective_bound_req_per_sec")) " | — |" > md
      continue
    }
    f = fraction(p)
    errs = errors(p)
    line = line " " rate(v(p, "req_per_sec")) " | " ms(v(p, "latency_mean_us")) " | " ms(v(p, "latency_max_us")) \
      " | " ms(v(p, "latency_p50_us")) " | " ms(v(p, "latency_p99_us")) " | " (errs ? "**" errs "**" : "0") \
      " | " (num(p, "errors_timeout") ? "**" v(p, "errors_timeout") "**" : "0") \
      " | " sprintf("%.1f", in_flight(p)) \
      " | " (has(p, "server_cpu_s") ? v(p, "server_cpu_s") : "—") \
      " | " (has(p, "server_peak_rss_kb") ? sprintf("%.1f MB", num(p, "server_peak_rss_kb") / 1024) : "—") \
      " | " (has(p, "server_threads_max") ? v(p, "server_threads_max") : "—") \
      " | " rate(v(p, "bound_req_per_sec")) " | " (f == "" ? "—" : pct(f)) \
      " | " unloaded(p) " | " rate(v(p, "effective_bound_req_per_sec")) \
      " | " (effective_fraction(p) == "" ? "—" : pct(effective_fraction(p))) " |"
    print line > md
  }
}

function explain_columns() {
  print "" > md
  print "How to read it: *Req/sec* and the latencies are wrk's, over answered requests only. *Errors*" > md
  print "are socket errors (connect, read, write) plus non-2xx answers; *Timeouts* are requests that" > md
  print "hit wrk's `--timeout`: wrk leaves them out of every latency figure. *In flight* is Little's" > md
  print "law read backwards, req/sec × avg latency: how many requests wrk saw waiting at once (at most" > md
  print "the connections). *CPU s*, *Peak RSS* (VmHWM) and *Threads* (the most seen) are the server's," > md
  print "sampled from /proc during the measured run. *Bound* is Little's law, throughput ≤ concurrency /" > md
  print "delay: where the wait blocks a handler thread only the workers can wait at once, elsewhere every" > md
  print "connection can; *Of bound* is how much of it the run reached (flagged below " pct(NEAR_BOUND) ")." > md
  print "*Unloaded latency* is one request alone (wrk -t1 -c1, before any load): the delay plus what the" > md
  print "wait really costs (a timer's granularity, the round trip). *Effective bound* = concurrency /" > md
  print "unloaded mean latency, the bound the server can actually reach; *Of effective* is how much of" > md
  print "it the run reached: below it, the server or the client ran out of something (CPU, mostly)." > md
}

function notes(   i, p, f, fe, longer, count, seconds, queue_s) {
  count = 0
  print "" > md
  print "## What to look at" > md
  print "" > md
  for (i = 1; i <= points; i++) {
    p = order[i]
    if (!ok(p)) {
      if (v(p, "status") == "failed") print "- **" label(p) " FAILED**: " v(p, "failure") > md
      else if (v(p, "status") == "skipped") print "- **" label(p) " SKIPPED**: " v(p, "failure") > md
      else print "- **" label(p) " INTERRUPTED**: the run stopped during this point; what it wrote is in its folder." > md
      count++
      continue
    }
    if (errors(p) > 0) {
      printf "- %s: **%d errors** (connect %d, read %d, write %d, non-2xx %d): the figures count answered requests only.\n", \
        label(p), errors(p), num(p, "errors_connect"), num(p, "errors_read"), num(p, "errors_write"), num(p, "errors_status") > md
      count++
    }
    if (num(p, "errors_timeout") > 0) {
      printf "- %s: **%d requests timed out** (wrk `--timeout %s`) and are missing from its latency figures, which are therefore too low.\n", \
        label(p), num(p, "errors_timeout"), v(p, "timeout") > md
      count++
    }
    f = fraction(p)
    fe = effective_fraction(p)
    seconds = seconds_of(p)
    longer = has(p, "unloaded_latency_mean_us") && num(p, "delay_ms") > 0 && \
      num(p, "unloaded_latency_mean_us") > LONGER_WAIT * num(p, "delay_ms") * 1000
    if (f != "" && (f < NEAR_BOUND || (longer && f < SHORT_OF_BOUND))) {
      printf "- %s reached %s%s of its Little's-law bound (%s req/s of %s, rule: %s).", \
        label(p), (f < NEAR_BOUND ? "only " : ""), pct(f), rate(v(p, "req_per_sec")), rate(v(p, "bound_req_per_sec")), v(p, "bound_rule") > md
      if (longer)
        printf " The wait itself is longer than the delay: one request alone takes %s (p99 %s), not %s ms (timer granularity and overhead: +%s), so Little's law allows at most %s req/s (the effective bound), of which it reached %s.", \
          ms(v(p, "unloaded_latency_mean_us")), ms(v(p, "unloaded_latency_p99_us")), v(p, "delay_ms"), \
          ms(num(p, "unloaded_latency_mean_us") - num(p, "delay_ms") * 1000), rate(v(p, "effective_bound_req_per_sec")), pct(fe) > md
      if (fe != "" && fe >= NEAR_BOUND) printf " The longer wait explains most of the gap.%s\n", cpu_reason(p) > md
      else printf "%s\n", cpu_reason(p) > md
      count++
    } else if (fe != "" && fe < NEAR_BOUND) {
      printf "- %s reached only %s of its effective bound (%s req/s of %s = concurrency / unloaded latency %s).%s\n", \
        label(p), pct(fe), rate(v(p, "req_per_sec")), rate(v(p, "effective_bound_req_per_sec")), ms(v(p, "unloaded_latency_mean_us")), cpu_reason(p) > md
      count++
    }
    if (f != "" && f > OVER_BOUND) {
      printf "- %s went **above** its bound (%s): the server does not wait %s ms per request with %s worker(s) as the bound assumes.\n", \
        label(p), pct(f), v(p, "delay_ms"), v(p, "workers") > md
      count++
    }
    if (in_flight(p) < VISIBLE * num(p, "connections")) {
      printf "- %s: only %.1f of its %d connections had a request in flight by wrk's clock (req/s × mean latency, Little's law). The others waited where that clock does not run (not yet accepted or read by the server), or were still unanswered when wrk stopped (wrk counts neither): its latency describes only the connections that were served.\n", \
        label(p), in_flight(p), num(p, "connections") > md
      count++
    }
    queue_s = (v(p, "blocks") == "yes" && has(p, "bound_req_per_sec") && num(p, "bound_req_per_sec") > 0) ? num(p, "connections") / num(p, "bound_req_per_sec") : 0
    if (queue_s > 0 && seconds > 0 && seconds < 5 * queue_s) {
      printf "- %s: the run lasted %.1f s, only %.1f× the time to serve every connection once (connections / bound = %.2f s): the queue filling up at the start, when requests wait half as long on average, weighs on its mean latency. A longer DURATION measures the steady state.\n", \
        label(p), seconds, seconds / queue_s, queue_s > md
      count++
    }
    if (has(p, "server_exit") && v(p, "server_exit") != "0") {
      print "- " label(p) ": the server did not exit cleanly after SIGTERM: " v(p, "server_exit") "." > md; count++
    }
  }
  if (count == 0) print "Nothing odd: no failures, errors or timeouts, every connection in view of wrk's clock, and every variant within " pct(NEAR_BOUND) "–" pct(OVER_BOUND) " of its bound." > md
}

function find_kind(family, kind,   i, n) {
  for (i = 1; i <= variant_count; i++) {
    n = variant_list[i]
    if (family_of[n] == family && kind_of[n] == kind && ok_runs[n] > 0) return n
  }
  return ""
}

function observations(   i, n, family, done_family, families, checked, s, a, b) {
  print "" > md
  print "## The seed's three observations, checked against this run" > md
  checked = 0
  for (i = 1; i <= variant_count; i++) {
    family = family_of[variant_list[i]]
    if (family == "" || family in done_family) continue
    done_family[family] = 1
    families++
    s = find_kind(family, "sync"); a = find_kind(family, "async"); b = find_kind(family, "async-blocking")
    if (s == "" || a == "" || b == "") {
      printf "\nNot checked for the %s servers: the observations need a measured sync, async and async-blocking variant; this run has %s.\n", \
        family, (s == "" ? "no sync" : s) ", " (a == "" ? "no async" : a) ", " (b == "" ? "no async-blocking" : b) > md
      continue
    }
    checked++
    print "" > md
    print "### " family ": " s ", " a ", " b > md
    observation_1(s, a, b)
    observation_2(s, a, b)
    observation_3(s, a, b)
  }
  if (families == 0)
    print "\nNot checked: none of these variants is in the table of known variants (scripts/lib.sh)." > md
}

function observation_1(s, a, b,   rs, ra, rb, holds) {
  rs = mean_rate(s); ra = mean_rate(a); rb = mean_rate(b)
  holds = (rs > 0 && rb > 0 && ra >= MORE_FACTOR * rs && ra >= MORE_FACTOR * rb)
  print "" > md
  printf "1. *Clients can make significantly more requests to the async server.* **%s** (threshold: at least %d× each of the others). %s served %s req/s%s: %s %s (%s req/s) and %s %s (%s req/s).\n", \
    (holds ? "Holds" : "Does not hold"), MORE_FACTOR, a, rate(ra), runs_note(a), \
    (rs > 0 ? times(ra / rs) : "∞×"), s, rate(rs), (rb > 0 ? times(ra / rb) : "∞×"), b, rate(rb) > md
  printf "   Why: Little's law, throughput = requests in flight / latency. %s and %s block a handler thread for each wait, so they serve at most threads / delay requests per second, whatever the connections (%s; %s); %s overlaps the waits of all %s connections (%s).\n", \
    s, b, bound_note(s), bound_note(b), a, v(example[a], "connections"), bound_note(a) > md
}

function observation_2(s, a, b,   ls, la, lb, holds, c) {
  ls = mean_latency(s); la = mean_latency(a); lb = mean_latency(b)
  holds = (la <= LOWER_FACTOR * ls && la <= LOWER_FACTOR * lb)
  c = v(example[a], "connections")
  print "" > md
  printf "2. *The async server with async downstream calls has significantly lower latency, even though the work is the same. Why?* **%s** (threshold: at most %s of each other's mean latency). %s: %s%s; %s: %s; %s: %s.\n", \
    (holds ? "Holds" : "Does not hold"), pct(LOWER_FACTOR), a, ms(la), runs_note(a), s, ms(ls), b, ms(lb) > md
  printf "   Why: latency = waiting in line + the work. A server that serves threads / delay requests per second makes each request wait behind the others; if all %s connections wait in view of wrk's clock, Little's law gives latency = connections / throughput: %s / %s req/s = %s for %s (measured %s), %s / %s = %s for %s (measured %s). %s gives every connection its own wait, so latency ≈ the %s ms delay plus overhead: %s.\n", \
    c, c, rate(mean_rate(s)), ms(mean_rate(s) > 0 ? c / mean_rate(s) * 1000000 : ""), s, ms(ls), \
    c, rate(mean_rate(b)), ms(mean_rate(b) > 0 ? c / mean_rate(b) * 1000000 : ""), b, ms(lb), \
    a, v(example[a], "delay_ms"), ms(la) > md
}

function observation_3(s, a, b,   ls, lb, ratio, verdict, c, fs, fb) {
  ls = mean_latency(s); lb = mean_latency(b)
  ratio = ls > 0 ? lb / ls : 0
  if (ratio > 1 + SAME_BAND) verdict = "Holds"
  else if (ratio >= 1 - SAME_BAND) verdict = "Does not hold: about the same"
  else verdict = "Does not hold: lower"
  c = v(example[s], "connections")
  fs = mean_flight(s); fb = mean_flight(b)
  print "" > md
  printf "3. *The async server with sync downstream calls has higher latency than the sync server.* **%s** (threshold: more than %s of sync's mean latency; within %s–%s counts as the same). %s: %s; %s: %s (%s).\n", \
    verdict, pct(1 + SAME_BAND), pct(1 - SAME_BAND), pct(1 + SAME_BAND), b, ms(lb), s, ms(ls), (ratio > 0 ? times(ratio) " sync's" : "—") > md
  printf "   Why: both block a handler thread for each wait, so both are held to threads / delay (%s req/s and %s req/s). The difference, if any, is where the waiting requests queue. wrk's latency clock starts when it writes a request, so it only sees requests the server has accepted. In flight (req/s × latency): %s %.1f, %s %.1f, of %s connections.", \
    rate(mean_rate(s)), rate(mean_rate(b)), s, fs, b, fb, c > md
  if (fs >= VISIBLE * c && fb >= VISIBLE * c)
    printf " Both held (almost) every connection's request in their own queue, in view of wrk's clock, so both latencies ≈ connections × delay: the observation does not carry over. (In the seed, Python's http.server spoke HTTP/1.0, closed each connection and had an accept backlog of 5: most connections waited in the kernel's accept queue, outside wrk's clock, which made the sync server's latency look small.)\n" > md
  else {
    if (fs < VISIBLE * c)
      printf " %s had only %.1f of %s requests in flight by wrk's clock: the rest waited where the clock does not run (not yet accepted or read by the server, in the kernel's accept queue or a socket buffer; or failed: %d socket errors), so its latency counts only the end of the line.", s, fs, c, sum_errors[s] / ok_runs[s] > md
    if (fb < VISIBLE * c)
      printf " %s had only %.1f of %s requests in flight by wrk's clock (errors: %d, timeouts: %d).", b, fb, c, sum_errors[b] / ok_runs[b], sum_timeouts[b] / ok_runs[b] > md
    else
      printf " %s queued every connection's request itself, in view of the clock: latency ≈ connections / throughput.", b > md
    printf "\n" > md
  }
  if (sum_timeouts[s] + sum_timeouts[b] > 0)
    printf "   Caution: %d (%s) and %d (%s) requests timed out and are missing from these latencies.\n", sum_timeouts[s], s, sum_timeouts[b], b > md
}

function write_csv(   i, p, k, key_count, keys, line) {
  key_count = split("variant run status family kind threads connections duration delay_ms workers timeout " \
    "requests duration_us req_per_sec latency_mean_us latency_stdev_us latency_max_us latency_p50_us " \
    "latency_p75_us latency_p90_us latency_p99_us latency_p99_9_us errors_connect errors_read errors_write " \
    "errors_status errors_timeout server_cpu_s server_peak_rss_kb server_threads_max server_exit " \
    "bound_req_per_sec bound_fraction in_flight client_cpu_s machine_cpu_busy_s unloaded_latency_mean_us unloaded_latency_p99_us " \
    "effective_bound_req_per_sec effective_fraction sweeps url failure", keys, " ")
  line = keys[1]
  for (k = 2; k <= key_count; k++) line = line "," keys[k]
  print line > csv
  for (i = 1; i <= points; i++) {
    p = order[i]
    val[p, "bound_fraction"] = (ok(p) && fraction(p) != "") ? sprintf("%.3f", fraction(p)) : ""
    val[p, "in_flight"] = ok(p) ? sprintf("%.2f", in_flight(p)) : ""
    val[p, "effective_fraction"] = (ok(p) && effective_fraction(p) != "") ? sprintf("%.3f", effective_fraction(p)) : ""
    line = csv_field(v(p, keys[1]))
    for (k = 2; k <= key_count; k++) line = line "," csv_field(v(p, keys[k]))
    print line > csv
  }
}

END {
  sort_points()
  runs_max = 0
  for (i = 1; i <= points; i++) if (num(i, "run") > runs_max) runs_max = num(i, "run")
  aggregate()
  print "# " title > md
  print "" > md
  if (incomplete != "") { print "**INCOMPLETE RUN: " incomplete "** The table shows the points measured before it stopped." > md; print "" > md }
  if (context != "") { print context > md; print "" > md }
  if (points == 0) print "No points were measured." > md
  else {
    table()
    explain_columns()
    notes()
    if (with_observations != "no") observations()
  }
  write_csv()
  if (bench_dat != "") write_bench_dat()
}

# write_bench_dat: the seed's comparison as a chart's data (-v bench_dat=FILE), measured
# points only, in the order they ran.
function write_bench_dat(   i, p) {
  print "# variant req_per_sec bound_req_per_sec mean_ms p99_ms max_ms" > bench_dat
  for (i = 1; i <= points; i++) {
    p = order[i]
    if (!ok(p)) continue
    printf "%s %s %s %.3f %.3f %.3f\n", v(p, "variant") (runs_max > 1 ? ".run" v(p, "run") : ""), v(p, "req_per_sec"), (has(p, "bound_req_per_sec") ? v(p, "bound_req_per_sec") : "NaN"), \
      num(p, "latency_mean_us") / 1000, num(p, "latency_p99_us") / 1000, num(p, "latency_max_us") / 1000 > bench_dat
  }
  close(bench_dat)
}
