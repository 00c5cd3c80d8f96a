-- wrk script: sends the pre-built requests of one corpus part per thread (see Corpus.java), so nonces never repeat
-- across threads. Args: <corpus dir> [pause in ms after each answer, per connection: connections * 1000 / rate
-- gives a fixed total rate]. Prints the latency
-- percentiles wrk --latency leaves out (p99.9) and the counts of non-2xx answers.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

-- wrk truncates the delay to whole milliseconds, so a pause of 3.5 ms would run at 3 ms (a sixth more load than
-- asked for): each request waits the whole part, or one more millisecond with the chance of the fraction.
local reqs, n, i, whole, fraction = nil, 0, 0, 0, 0

-- wrk runs the threads' init one after another and starts each thread as soon as its own init returns, but starts
-- its clock only after the last one: the first thread sent requests, counted in the total, for the 2-3 s the second
-- spent loading its part of a large corpus: with corpora of 600 000 requests, 10-s runs against the bare handler
-- reported 55 000-57 000 requests/s where 51 000 were served in the measured time (nginx's one-request corpus loads
-- at once and was not inflated). So each thread marks its part loaded with a file next to the parts, and every
-- connection holds its first request back until all parts are loaded.
local dir, parts, all_loaded = nil, 0, false
local function marker(k) return dir .. "/.loaded-" .. k end
local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

function init(args)
  dir = args[1]
  while exists(dir .. "/part-" .. (parts + 1) .. ".lua") do parts = parts + 1 end
  if tid == 1 then -- the first init: no thread runs yet, so the markers of an earlier run can go
    for k = 1, parts do os.remove(marker(k)) end
  end
  reqs = dofile(dir .. "/part-" .. tid .. ".lua")
  n = #reqs
  if args[2] ~= nil then
    local pause = tonumber(args[2])
    whole = math.floor(pause)
    fraction = pause - whole
  end
  assert(io.open(marker(tid), "w")):close()
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function delay()
  if not all_loaded then
    for k = 1, parts do
      if not exists(marker(k)) then return 5 end
    end
    all_loaded = true
  end
  if fraction > 0 and math.random() < fraction then
    return whole + 1
  end
  return whole
end

function done(summary, latency, requests)
  io.write(string.format("LAT p50=%d p99=%d p999=%d max=%d\n", latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9), latency.max))
  io.write(string.format("STAT requests=%d non2xx=%d errors=%d duration_us=%d\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration))
end
