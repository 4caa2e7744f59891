-- wrk script for bench/compare.sh: every request carries X-Forwarded-For with the next client address
-- of the list in $COMPARE_ADDRESSES (one "address country" line each), each thread starting at its own
-- place in the list. The requests are formatted once, in init, so the rotation costs wrk nothing per request.
-- done() prints one machine-readable line: COMPARE requests duration_us non2xx socket_errors p50 p99 p999 (µs).

local requests = {}
local next_request = 1
local threads = 0

-- Each thread gets its number as the global "id" (a global: thread:set cannot reach a local).
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  local path = os.getenv("COMPARE_ADDRESSES")
  local file = assert(io.open(path, "r"), "cannot read " .. tostring(path))
  for line in file:lines() do
    local address = line:match("^(%S+)")
    if address then
      requests[#requests + 1] = wrk.format("GET", "/", { ["X-Forwarded-For"] = address })
    end
  end
  file:close()
  assert(#requests > 0, "no addresses in " .. path)
  next_request = ((id or 0) * 7919) % #requests + 1
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("COMPARE %d %d %d %d %.0f %.0f %.0f\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
