-- bench/reports.lua: wrk script for bench/reports.sh. Each request pulls
-- one of the reports named (in turn) for one quarter, with the bearer
-- token from PERINATAL_BENCH_TOKEN (a commissioner's). done() prints the
-- figures reports.sh reports, one "BENCH name: value" per line. Every
-- answer is checked: "BENCH unexpected" counts those that are not 200.

local paths = {}
local next_path = 0
local headers = {}
local thread_count = 0
local threads = {}
-- Per thread (each thread has its own Lua state): answers that were not
-- the expected status, and the statuses seen among them.
unexpected = 0
unexpected_statuses = ""
local seen = {}

-- Runs in the main Lua state once per thread: number the threads so that
-- each starts at another report, and keep them for done().
function setup(thread)
    thread_count = thread_count + 1
    thread:set("thread_number", thread_count)
    threads[#threads + 1] = thread
end

-- Runs in each thread's own Lua state. Arguments: the reports (comma
-- separated), then the year and quarter.
function init(args)
    local names, year, quarter = args[1], args[2], args[3]
    if names == nil or year == nil or quarter == nil then
        error("usage: wrk ... -s bench/reports.lua URL -- REPORT[,REPORT...] YEAR QUARTER")
    end
    for name in string.gmatch(names, "[^,]+") do
        paths[#paths + 1] = "/v1/reports/" .. name .. "?year=" .. year .. "&quarter=" .. quarter
    end
    local token = os.getenv("PERINATAL_BENCH_TOKEN")
    if token == nil or token == "" then
        error("PERINATAL_BENCH_TOKEN is not set")
    end
    headers["Authorization"] = "Bearer " .. token
    headers["Accept"] = "application/json"
    next_path = thread_number or 0
end

-- Each connection pulls the reports in turn.
function request()
    next_path = next_path + 1
    return wrk.format("GET", paths[1 + next_path % #paths], headers)
end

function response(status, headers, body)
    if status ~= 200 then
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
