# parse-wrk.awk: wrk's output (as wrk printed it) -> key=value lines, one number each.
#
#   awk -f scripts/parse-wrk.awk results/latest/async-server/wrk.txt
#
# Reads the JSON line of scripts/wrk-report.lua when there is one (exact percentiles,
# p99.9, status errors); otherwise wrk's plain text, so logs from anywhere (the seed's
# included) can be summarised. Times are in microseconds; a figure wrk did not print is
# left empty (e.g. percentiles without --latency). Exits 1 if the input is not wrk output.
# POSIX awk only (runs on mawk).

# "65.17ms" -> 65170 (microseconds)
function to_us(text, value) {
  value = text + 0
  if (text ~ /us$/) return value
  if (text ~ /ms$/) return value * 1000
  if (text ~ /s$/) return value * 1000000
  if (text ~ /m$/) return value * 60000000
  if (text ~ /h$/) return value * 3600000000
  return value
}

# "1.93k" -> 1930
function to_count(text, value) {
  value = text + 0
  if (text ~ /k$/) return value * 1000
  if (text ~ /M$/) return value * 1000000
  if (text ~ /G$/) return value * 1000000000
  return value
}

function set(key, value) { text_value[key] = value; seen_text = 1 }

BEGIN {
  split("requests duration_us req_per_sec latency_mean_us latency_stdev_us latency_max_us " \
        "latency_p50_us latency_p75_us latency_p90_us latency_p99_us latency_p99_9_us " \
        "errors_connect errors_read errors_write errors_status errors_timeout", keys, " ")
  key_count = 16
}

/^\{"wrk_report":/ {
  line = $0
  gsub(/[{}"]/, "", line)
  field_count = split(line, fields, ",")
  for (i = 1; i <= field_count; i++) {
    split(fields[i], pair, ":")
    json[pair[1]] = pair[2]
  }
  seen_json = 1
  next
}

/^Running .* test @ / { set("url", $NF); set("wrk_duration", $2) }
/threads and .* connections/ { set("wrk_threads", $1); set("wrk_connections", $4) }
$1 == "Latency" && NF >= 4 {
  set("latency_mean_us", to_us($2)); set("latency_stdev_us", to_us($3)); set("latency_max_us", to_us($4))
}
$1 == "50%" { set("latency_p50_us", to_us($2)) }
$1 == "75%" { set("latency_p75_us", to_us($2)) }
$1 == "90%" { set("latency_p90_us", to_us($2)) }
$1 == "99%" { set("latency_p99_us", to_us($2)) }
/ requests in / {
  set("requests", $1)
  duration = $4; sub(/,$/, "", duration)
  set("duration_us", to_us(duration))
}
/Socket errors:/ {
  line = $0
  sub(/.*Socket errors: */, "", line)
  count = split(line, parts, /, */)
  for (i = 1; i <= count; i++) {
    split(parts[i], pair, " ")
    set("errors_" pair[1], pair[2])
  }
}
/Non-2xx or 3xx responses:/ { set("errors_status", $NF) }
/^Requests\/sec:/ { set("req_per_sec", to_count($2)) }

END {
  if (!seen_json && !("requests" in text_value)) {
    print "parse-wrk: " FILENAME ": no wrk results in this file" > "/dev/stderr"
    exit 1
  }
  for (name in text_value) {
    if (name ~ /^(url|wrk_)/) printf "%s=%s\n", name, text_value[name]
  }
  for (i = 1; i <= key_count; i++) {
    key = keys[i]
    value = ""
    if (key in text_value) value = text_value[key]
    # Without a line for them, wrk saw no errors of that kind.
    if (key ~ /^errors_/ && value == "") value = 0
    if (seen_json) {
      json_key = key
      if (key ~ /^latency_/) sub(/_us$/, "", json_key)
      if (json_key == "req_per_sec") json_key = "requests_per_sec"
      if (json_key in json) value = json[json_key]
    }
    if (value != "" && key == "req_per_sec") value = sprintf("%.2f", value)
    else if (value != "" && key ~ /_us$/) value = sprintf("%.0f", value)
    printf "%s=%s\n", key, value
  }
  printf "parsed_from=%s\n", seen_json ? "json" : "text"
}
