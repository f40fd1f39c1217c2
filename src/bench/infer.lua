-- wrk script for src/bench/run.sh: POSTs one KServe v2 JSON inference request, read from the
-- file named by the BENCH_BODY environment variable, on every request, and prints a
-- machine-readable summary line ("BENCH key=value ...") when the run ends.
--
--   BENCH_BODY=body.json wrk -t2 -c64 -d15s --latency -s src/bench/infer.lua \
--       http://127.0.0.1:8000/v2/models/classifier/infer

local path = os.getenv("BENCH_BODY")
if path == nil or path == "" then
  error("set BENCH_BODY to the file holding the JSON request body")
end
local file = assert(io.open(path, "rb"), "cannot read BENCH_BODY file " .. path)
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
local header_length = os.getenv("BENCH_HEADER_LENGTH")
if header_length ~= nil and header_length ~= "" then
  -- The binary tensor data extension: JSON header, then raw tensor bytes.
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.headers["Inference-Header-Content-Length"] = header_length
else
  wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d errors_connect=%d errors_read=%d "
      .. "errors_write=%d errors_status=%d errors_timeout=%d "
      .. "mean_us=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
