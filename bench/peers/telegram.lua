-- wrk script for bench/peers/run.py's "switchboard-wrk" row: Switchboard's
-- durable webhook ingest driven by the same tool as nginx, so the ratio
-- compares the servers and not their load generators (sb_loadgen spends
-- several times wrk's CPU per request, on the same two cores).
--
-- Every request is a real Telegram Update (a private-chat text message, the
-- shape Bot API webhooks deliver) with the channel's secret token header, a
-- fresh update_id (so each one is stored, never absorbed as a retry) and one
-- of PEERS_CUSTOMERS chats (a customer's first message opens a conversation,
-- the next ones are follow-ups), its text padded to ~PEERS_BODY_BYTES.
local bytes = tonumber(os.getenv("PEERS_BODY_BYTES") or "600")
local customers = tonumber(os.getenv("PEERS_CUSTOMERS") or "1000")
local secret = os.getenv("PEERS_SECRET") or ""
local first_update = tonumber(os.getenv("PEERS_FIRST_UPDATE") or "1000000000")

local threads = {}
local counter = 0
local padding = nil
thread_index = 0  -- a global: setup() sets it in each thread's own state


function setup(thread)
  -- update ids interleave 16 threads' counters: more would reuse ids
  assert(#threads < 16, "telegram.lua: at most 16 wrk threads")
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 16 + thread_index)  -- each thread its own customers' order
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Telegram-Bot-Api-Secret-Token"] = secret
end

local function body(update_id, chat_id)
  local head = string.format(
    '{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,' ..
    '"first_name":"Customer","language_code":"uk"},"chat":{"id":%d,"first_name":"Customer",' ..
    '"type":"private"},"date":1763877600,"text":"', update_id, update_id % 1000000, chat_id, chat_id)
  local tail = '"}}'
  if padding == nil then padding = string.rep("x", math.max(1, bytes - #head - #tail)) end
  return head .. padding .. tail
end

function request()
  counter = counter + 1
  -- Threads interleave their update ids, so no two requests share one.
  local update_id = first_update + counter * 16 + thread_index
  local chat_id = 500000000 + math.random(0, customers - 1)
  return wrk.format(nil, nil, nil, body(update_id, chat_id))
end

dofile((os.getenv("PEERS_LUA_DIR") or ".") .. "/wrk_report.lua")  -- done(): the JSON line
