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

dofile((os.getenv("PEERS_LUA_DIR") or ".") .. "/wrk_report.lua")  -- done(): the JSON line
