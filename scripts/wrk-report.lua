-- wrk-report.lua: at the end of a wrk run, print its numbers as one JSON line.
--
--   wrk -t4 -c100 -d10s --latency --timeout 10s -s scripts/wrk-report.lua http://127.0.0.1:9001/
--
-- The line starts with {"wrk_report":1, so scripts/parse-wrk.awk can find it after wrk's own
-- text. Latencies are in microseconds (wrk's own unit), durations too. Requests that hit
-- --timeout are counted in errors_timeout and are NOT in the latency figures (wrk drops them).

done = function(summary, latency, requests)
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  local count = summary.requests
  -- With no request answered, wrk's latency statistics are undefined (NaN): report zeros.
  local function stat(value)
    if count == 0 or value ~= value then return 0 end
    return value
  end
  io.write(string.format(
    '{"wrk_report":1,"requests":%d,"duration_us":%d,"requests_per_sec":%.3f,"bytes":%d,'
      .. '"latency_unit":"us","latency_mean":%.1f,"latency_stdev":%.1f,"latency_max":%d,'
      .. '"latency_p50":%d,"latency_p75":%d,"latency_p90":%d,"latency_p99":%d,"latency_p99_9":%d,'
      .. '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d}\n',
    count, summary.duration, seconds > 0 and count / seconds or 0, summary.bytes,
    stat(latency.mean), stat(latency.stdev), stat(latency.max),
    stat(latency:percentile(50)), stat(latency:percentile(75)), stat(latency:percentile(90)),
    stat(latency:percentile(99)), stat(latency:percentile(99.9)),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
