-- wrk script: POSTs request bodies read from a file (one JSON body per line),
-- each thread cycling through all of them from its own offset, so the servers
-- score different rollouts instead of one body over and over. Prints a JSON
-- summary (one line, prefixed "WRK_JSON ") for bench/serve/run.py to read.
--
--   BODIES=path.jsonl wrk -s bench/serve/rotate.lua http://127.0.0.1:PORT/get_reward

local bodies = {}
local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("id", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("BODIES")
  for line in io.lines(path) do
    bodies[#bodies + 1] = line
  end
  -- Spread the threads over the file so they do not send the same bodies
  -- at the same time.
  i = (id * 7919) % #bodies
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
