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
-- Thread numbering, status checks and the summary: bench/checked.lua.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "checked.lua")

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
