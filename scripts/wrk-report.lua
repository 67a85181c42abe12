-- wrk-report.lua: at the end of a wrk run, print its numbers as one JSON line.
--
--   wrk -t4 -c100 -d10s --latency --timeout 10s -s scripts/wrk-report.lua http://127.0.0.1:9001/
--
-- The line starts with {"wrk_report":1, so scripts/parse-wrk.awk can find it after wrk's own
-- text. Latencies are in microseconds (wrk's own unit), durations too. Requests that hit
-- --timeout are counted in errors_timeout and are NOT in the latency figures (wrk drops them).
--
-- With WRK_HISTOGRAM_FILE set (and not empty), done() also writes that file: wrk's whole
-- latency distribution, one line per distinct value, "VALUE COUNT" (µs, whole numbers), so that
-- `bench-report merge-wrk` can merge the logs of several load generators. The line on stdout is
-- the same with or without it.
--
-- The counts are the distribution the percentiles above are read from. They sum to
-- requests - errors_timeout (a timed-out request is counted in requests, its latency is not
-- recorded), plus the samples wrk adds itself after the run: for each latency of at least
-- twice the interval I = duration / (requests / connections), one more at latency - I,
-- latency - 2I, ... while above I (stats_correct in wrk.c, wrk's correction for the requests a
-- stalled connection did not send). Without such a stall the sum is requests - errors_timeout.
--
-- latency(i) scans wrk's table from the smallest latency up to the i-th distinct one, so the
-- file takes time in proportion to the distinct values times their spread: nothing for latencies
-- within a few ms, seconds when they spread over seconds (7,000 distinct values over 2 s: 5 s).
-- wrk writes it after the run, so the figures do not change, but wrk exits that much later.

-- Writes the distinct latency values and their counts to `path`, "VALUE COUNT" a line.
local function write_histogram(path, latency)
  local file, why = io.open(path, "w")
  if not file then
    io.stderr:write("wrk-report.lua: cannot write the histogram: " .. tostring(why) .. "\n")
    return
  end
  local lines = {}
  for i = 1, #latency do
    local value, count = latency(i)
    lines[#lines + 1] = string.format("%d %d\n", value, count)
  end
  file:write(table.concat(lines))
  file:close()
end

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
  local histogram = os.getenv("WRK_HISTOGRAM_FILE")
  if histogram and histogram ~= "" then
    write_histogram(histogram, latency)
  end
end
