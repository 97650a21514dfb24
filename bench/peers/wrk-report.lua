-- The ingest bench's requests for wrk (bench/ingest.ts, --generator wrk): each a report at one of the
-- bench's random points in the district's grids, with its own Idempotency-Key, as a dispatcher.
-- Environment: POINTS (a file of "lng lat" lines), CLASSES (a file of class names), TOKEN (a bearer
-- token, or empty), RUN (makes the keys unique per run), TARGET_PATH.
-- At the end prints one line: "WRK {json}" with counts, latency quantiles (ms) and wrk's own CPU.
local points, classes = {}, {}
for line in io.lines(os.getenv("POINTS")) do
  local lng, lat = line:match("(%S+) (%S+)")
  points[#points + 1] = { lng, lat }
end
for line in io.lines(os.getenv("CLASSES")) do classes[#classes + 1] = line end
local token, run, path = os.getenv("TOKEN") or "", os.getenv("RUN"), os.getenv("TARGET_PATH")
local n = 0

request = function()
  n = n + 1
  local p = points[(n % #points) + 1]
  local headers = { ["content-type"] = "application/json", ["idempotency-key"] = "ingest-" .. n .. "-" .. run }
  if token ~= "" then headers["authorization"] = "Bearer " .. token end
  local body = string.format('{"class":"%s","source":"网格员巡查","lng":%s,"lat":%s,"description":"压测上报 %d","reporterName":"王某","reporterPhone":"13800000000"}',
    classes[(n % #classes) + 1], p[1], p[2], n)
  return wrk.format("POST", path, headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"us":%d,"status4xx5xx":%d,"socketErrors":%d,"timeouts":%d,"p50":%.3f,"p99":%.3f,"max":%.3f,"cpuSeconds":%.3f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, os.clock()))
end
