-- wrk script shared by every load scenario of bench/tracking (the same bytes
-- go to Ferry and to MLflow). Run wrk with -t N -c N: one connection per wrk
-- thread, so each thread is one client with its own run and at most one
-- request in flight.
--
-- Environment (read in every thread):
--   BENCH_MODE     batch  - POST runs/log-batch, BENCH_BATCH metrics per request
--                  metric - POST runs/log-metric, one metric per request
--                  search - POST runs/search with the body in BENCH_BODY
--                  get    - GET the targets listed in BENCH_PATHS_FILE in turn
--                           (each thread starts at its own offset)
--   BENCH_RUN_IDS  comma-separated run ids, one per thread (batch, metric)
--   BENCH_BATCH    metrics per log-batch request (default 1000)
--   BENCH_BODY     JSON body (search)
--   BENCH_PATHS_FILE  a file of request targets, one per line (get)
--
-- Every logged metric is unique (step = the thread's request counter), so the
-- server cannot collapse duplicates and what it stored can be counted.
-- done() prints one line "BENCH_JSON {...}" with wrk's summary, its latency
-- percentiles (microseconds) and, per thread, how many requests were answered
-- 200 ("acked") and how many were not.

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

local function split(s)
  local out = {}
  for item in string.gmatch(s or "", "[^,]+") do table.insert(out, item) end
  return out
end

function init(args)
  mode = os.getenv("BENCH_MODE") or "metric"
  acked = 0
  failed = 0
  first_error = ""
  n = 0
  headers = { ["Content-Type"] = "application/json" }
  local runs = split(os.getenv("BENCH_RUN_IDS"))
  run_id = runs[tid] or ""
  base_ts = 1700000000000
  if mode == "batch" then
    path = "/api/2.0/mlflow/runs/log-batch"
    local size = tonumber(os.getenv("BENCH_BATCH") or "1000")
    -- Body = head .. piece[1] .. step .. "}" .. "," .. piece[2] .. step .. "}" ...
    -- (timestamp and step vary per request; key and value per metric).
    head = '{"run_id":"' .. run_id .. '","metrics":['
    pieces = {}
    for i = 0, size - 1 do
      pieces[i + 1] = string.format('{"key":"m%03d","value":%d.%03d,"timestamp":', i, i % 7, i)
    end
  elseif mode == "metric" then
    path = "/api/2.0/mlflow/runs/log-metric"
    head = '{"run_id":"' .. run_id .. '","key":"loss","value":'
  elseif mode == "get" then
    paths = {}
    for line in io.lines(os.getenv("BENCH_PATHS_FILE")) do
      if line ~= "" then paths[#paths + 1] = line end
    end
    n = (tid * 7919) % math.max(#paths, 1)
  else
    path = "/api/2.0/mlflow/runs/search"
    search_request = wrk.format("POST", path, headers, os.getenv("BENCH_BODY"))
  end
end

function request()
  n = n + 1
  if mode == "batch" then
    local ts = tostring(base_ts + n)
    local tail = ',"step":' .. n .. '}'
    local parts = { head }
    for i = 1, #pieces do
      if i > 1 then parts[#parts + 1] = "," end
      parts[#parts + 1] = pieces[i]
      parts[#parts + 1] = ts
      parts[#parts + 1] = tail
    end
    parts[#parts + 1] = "]}"
    return wrk.format("POST", path, headers, table.concat(parts))
  elseif mode == "metric" then
    local body = head .. (n % 1000) / 1000 .. ',"timestamp":' .. (base_ts + n) ..
        ',"step":' .. n .. '}'
    return wrk.format("POST", path, headers, body)
  elseif mode == "get" then
    return wrk.format("GET", paths[(n % #paths) + 1])
  end
  return search_request
end

function response(status, headers, body)
  if status == 200 then
    acked = acked + 1
  else
    failed = failed + 1
    if first_error == "" then
      first_error = tostring(status) .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

local function quote(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local out = {}
  local function add(k, v) out[#out + 1] = quote(k) .. ":" .. v end
  add("duration_us", summary.duration)
  add("requests", summary.requests)
  add("bytes", summary.bytes)
  add("err_connect", summary.errors.connect)
  add("err_read", summary.errors.read)
  add("err_write", summary.errors.write)
  add("err_status", summary.errors.status)
  add("err_timeout", summary.errors.timeout)
  add("lat_mean", latency.mean)
  add("lat_max", latency.max)
  for _, p in ipairs({ 50, 90, 95, 99, 99.9 }) do
    add("lat_p" .. p, latency:percentile(p))
  end
  local per = {}
  for _, t in ipairs(threads) do
    per[#per + 1] = string.format('{"tid":%d,"run_id":%s,"acked":%d,"failed":%d,"sent":%d,"first_error":%s}',
      t:get("tid"), quote(t:get("run_id") or ""), t:get("acked"), t:get("failed"),
      t:get("n"), quote(t:get("first_error") or ""))
  end
  add("threads", "[" .. table.concat(per, ",") .. "]")
  io.write("BENCH_JSON {" .. table.concat(out, ",") .. "}\n")
end
