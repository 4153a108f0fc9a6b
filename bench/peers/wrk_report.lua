-- Shared by post.lua and telegram.lua (loaded with dofile; run.py passes the
-- folder in PEERS_LUA_DIR): at the end of a wrk run, one JSON line with the
-- totals and latency percentiles (µs) for run.py to read.
function done(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'PEERS_JSON {"requests":%d,"seconds":%.3f,"rate":%.1f,' ..
    '"errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, s, summary.requests / s,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
