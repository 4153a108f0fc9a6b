-- wrk script for bench/peers/run.py: every request is a POST of a ~600-byte
-- JSON body (the size of sb_loadgen's webhooks), and at the end one JSON line
-- with the totals and latency percentiles (µs) for run.py to read.
local bytes = tonumber(os.getenv("PEERS_BODY_BYTES") or "600")
local head = '{"update_id":1,"message":{"text":"'
local tail = '"}}'
wrk.method = "POST"
wrk.path = "/webhook"
wrk.headers["Content-Type"] = "application/json"
wrk.body = head .. string.rep("x", bytes - #head - #tail) .. tail

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
