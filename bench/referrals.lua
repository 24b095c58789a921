-- bench/referrals.lua: wrk script for bench/referrals.sh.
--   mode "overdue": GET /v1/referrals?overdue=true&team=<random team>
--   mode "post":    POST /v1/referrals for a random woman and team
-- Arguments: MODE TEAMS_FILE [IDS_FILE]. Token from PERINATAL_BENCH_TOKEN.
-- done() prints "BENCH name: value" lines that referrals.sh reports. Every
-- answer is checked against the status its mode expects (200 for the list,
-- 201 for a create): "BENCH unexpected" counts the others, and
-- referrals.sh prints no figure when it is not 0.

local mode, teams, ids, headers = nil, {}, {}, {}
local expected = nil
local thread_count = 0
local threads = {}
unexpected = 0
unexpected_statuses = ""
local seen = {}

function setup(thread)
    thread_count = thread_count + 1
    thread:set("thread_number", thread_count)
    threads[#threads + 1] = thread
end

local function read_lines(path, into)
    for line in io.lines(path) do
        if #line > 0 then into[#into + 1] = line end
    end
    if #into == 0 then error("no lines in " .. path) end
end

function init(args)
    mode = args[1]
    if mode == "overdue" then expected = 200
    elseif mode == "post" then expected = 201
    else error("mode: overdue or post, not " .. tostring(mode)) end
    read_lines(args[2], teams)
    if mode == "post" then read_lines(args[3], ids) end
    headers["Authorization"] = "Bearer " .. os.getenv("PERINATAL_BENCH_TOKEN")
    headers["Accept"] = "application/json"
    if mode == "post" then headers["Content-Type"] = "application/json" end
    math.randomseed(os.time() + 7919 * (thread_number or 0))
end

local sources = { "gp", "midwife", "health_visitor", "self", "cmht", "family" }

function request()
    local team = teams[math.random(#teams)]
    if mode == "overdue" then
        return wrk.format("GET", "/v1/referrals?overdue=true&limit=50&team=" .. team, headers)
    end
    local priority = (math.random(10) == 1) and "emergency" or "routine"
    local body = string.format(
        '{"service_user_id":"%s","team_id":"%s","source":"%s","channel":"online_form",' ..
        '"priority":"%s","criteria":["previous_perinatal_illness"],' ..
        '"reason":"Benchmark referral","referrer":{"name":"Dr Bench"}}',
        ids[math.random(#ids)], team, sources[math.random(#sources)], priority)
    return wrk.format("POST", "/v1/referrals", headers, body)
end

function response(status, headers, body)
    if status ~= expected then
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
    io.write(string.format("BENCH p99_ms: %.2f\n", latency:percentile(99) / 1000))
    io.write(string.format("BENCH max_ms: %.2f\n", latency.max / 1000))
    io.write(string.format("BENCH non_2xx: %d\n", e.status))
    io.write(string.format("BENCH socket_errors: %d\n", e.connect + e.read + e.write + e.timeout))
end
