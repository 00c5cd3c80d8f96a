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
function init(args)
  reqs = dofile(args[1] .. "/part-" .. tid .. ".lua")
  n = #reqs
  if args[2] ~= nil then
    local pause = tonumber(args[2])
    whole = math.floor(pause)
    fraction = pause - whole
  end
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

function delay()
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
