-- wrk script: after the run, print one machine-readable line that run.sh
-- parses, so it does not depend on wrk's human output format.
-- Fields: requests, duration_us, p50_us, p99_us, socket_errors, http_errors
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKRESULT %d %d %.0f %.0f %d %d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
