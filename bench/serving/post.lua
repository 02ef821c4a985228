-- wrk script for bench/serving: POSTs the body in BENCH_BODY_FILE to
-- BENCH_PATH (the same bytes to every server), counts non-200 answers, and
-- prints one line "BENCH_JSON {...}" with throughput and latency
-- percentiles (microseconds).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
  body = f:read("*a")
  f:close()
  path = os.getenv("BENCH_PATH")
  failed = 0
  first_error = ""
end

function request()
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, resp_body)
  if status ~= 200 then
    failed = failed + 1
    if first_error == "" then first_error = tostring(status) .. " " .. string.sub(resp_body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local failed_total, err = 0, ""
  for _, t in ipairs(threads) do
    failed_total = failed_total + t:get("failed")
    if err == "" then err = t:get("first_error") end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "failed": %d, ' ..
    '"socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "first_error": "%s"}\n',
    summary.requests, seconds, summary.requests / seconds, failed_total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    string.gsub(err, '"', "'")))
end
