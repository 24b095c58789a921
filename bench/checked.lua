-- bench/checked.lua: what every wrk script of bench/ shares, loaded first by
-- each (dofile): threads numbered in setup(), every answer's status checked
-- against expected_status (200 unless the script sets it) in response(), and
-- done() printing the "BENCH name: value" lines bench/lib.sh reads. "BENCH
-- unexpected" counts the answers that were not the expected status; the
-- shell script prints no figure when it is not 0.

local thread_count = 0
local threads = {}
-- Per thread (each thread has its own Lua state): the status to expect,
-- answers that were not it, and the statuses seen among them.
expected_status = 200
unexpected = 0
unexpected_statuses = ""
local seen = {}

-- Runs in the main Lua state once per thread: number the threads (each
-- script seeds or offsets by thread_number), and keep them for done().
function setup(thread)
    thread_count = thread_count + 1
    thread:set("thread_number", thread_count)
    threads[#threads + 1] = thread
end

function response(status, headers, body)
    if status ~= expected_status then
        unexpected = unexpected + 1
        if not seen[status] then
            seen[status] = true
            unexpected_statuses = unexpected_statuses .. " " .. status
        end
    end
end

function done(summary, latency, requests)
    local bad, statuses = 0, ""
    for _, t in ipairs(threads) do
        bad = bad + t:get("unexpected")
        statuses = statuses .. t:get("unexpected_statuses")
    end
    io.write(string.format("BENCH unexpected: %d\n", bad))
    io.write(string.format("BENCH unexpected_statuses:%s\n", statuses))
    local seconds = summary.duration / 1e6
    local e = summary.errors
    io.write(string.format("BENCH requests: %d\n", summary.requests))
    io.write(string.format("BENCH requests_per_s: %.0f\n", summary.requests / seconds))
    io.write(string.format("BENCH p50_ms: %.2f\n", latency:percentile(50) / 1000))
    io.write(string.format("BENCH p90_ms: %.2f\n", latency:percentile(90) / 1000))
    io.write(string.format("BENCH p99_ms: %.2f\n", latency:percentile(99) / 1000))
    io.write(string.format("BENCH max_ms: %.2f\n", latency.max / 1000))
    io.write(string.format("BENCH non_2xx: %d\n", e.status))
    io.write(string.format("BENCH socket_errors: %d\n", e.connect + e.read + e.write + e.timeout))
end
