-- wrk script for src/bench/replicas.sh: POSTs the KServe v2 JSON inference request read from the
-- file named by BENCH_BODY, counts every response by HTTP status and, for 2xx, by the
-- "model_version" the body names, and prints one machine-readable line when the run ends:
--
--   REPLICAS requests=N non2xx=N connect=N read=N write=N timeout=N statuses=200:N,502:N
--       versions=2:N,3:N
--
-- (on one line). Each wrk thread counts in its own Lua state; done() adds the threads up.

local path = os.getenv("BENCH_BODY")
if path == nil or path == "" then
  error("set BENCH_BODY to the file holding the JSON request body")
end
local file = assert(io.open(path, "rb"), "cannot read BENCH_BODY file " .. path)
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

statuses = {}
versions = {}

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status >= 200 and status < 300 then
    local version = string.match(body, '"model_version"%s*:%s*"([^"]*)"') or "none"
    versions[version] = (versions[version] or 0) + 1
  end
end

local function add(into, from)
  for key, count in pairs(from) do
    into[key] = (into[key] or 0) + count
  end
end

local function join(counts)
  local keys = {}
  for key in pairs(counts) do
    table.insert(keys, key)
  end
  table.sort(keys)
  local parts = {}
  for _, key in ipairs(keys) do
    table.insert(parts, key .. ":" .. counts[key])
  end
  if #parts == 0 then
    return "-"
  end
  return table.concat(parts, ",")
end

function done(summary, latency, requests)
  local all_statuses, all_versions = {}, {}
  for _, thread in ipairs(threads) do
    add(all_statuses, thread:get("statuses"))
    add(all_versions, thread:get("versions"))
  end
  local non2xx = 0
  for key, count in pairs(all_statuses) do
    local status = tonumber(key)
    if status < 200 or status >= 300 then
      non2xx = non2xx + count
    end
  end
  local errors = summary.errors
  io.write(string.format(
    "REPLICAS requests=%d non2xx=%d connect=%d read=%d write=%d timeout=%d "
      .. "duration_us=%d p50_us=%d p99_us=%d max_us=%d statuses=%s versions=%s\n",
    summary.requests, non2xx, errors.connect, errors.read, errors.write, errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    join(all_statuses), join(all_versions)))
end
