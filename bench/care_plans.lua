-- bench/care_plans.lua: wrk script for bench/care_plans.sh. Each request reads
-- one record chosen at random from the ids file (first script argument) under
-- the path prefix (second: /v1/service-users/ or /v1/care-plans/),
-- with the bearer token from PERINATAL_BENCH_TOKEN. done() prints the
-- figures care_plans.sh reports, one "BENCH name: value" per line. Every answer
-- is checked: "BENCH unexpected" counts those that are not 200, and
-- care_plans.sh prints no figure when it is not 0.

local ids = {}
local headers = {}
local prefix = nil
local thread_count = 0
local threads = {}
-- Per thread (each thread has its own Lua state): answers that were not
-- the expected status, and the statuses seen among them.
unexpected = 0
unexpected_statuses = ""
local seen = {}

-- Runs in the main Lua state once per thread: number the threads so that
-- each seeds its random generator differently, and keep them for done().
function setup(thread)
    thread_count = thread_count + 1
    thread:set("thread_number", thread_count)
    threads[#threads + 1] = thread
end

-- Runs in each thread's own Lua state.
function init(args)
    local path = args[1]
    if path == nil then
        error("usage: wrk ... -s bench/care_plans.lua URL -- IDS_FILE PATH_PREFIX")
    end
    for line in io.lines(path) do
        if #line > 0 then
            ids[#ids + 1] = line
        end
    end
    if #ids == 0 then
        error("no ids in " .. path)
    end
    prefix = args[2]
    if prefix == nil then
        error("no path prefix")
    end
    local token = os.getenv("PERINATAL_BENCH_TOKEN")
    if token == nil or token == "" then
        error("PERINATAL_BENCH_TOKEN is not set")
    end
    headers["Authorization"] = "Bearer " .. token
    headers["Accept"] = "application/json"
    math.randomseed(os.time() + 7919 * (thread_number or 0))
end

function request()
    return wrk.format("GET", prefix .. ids[math.random(#ids)], headers)
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
