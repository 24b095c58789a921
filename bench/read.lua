-- bench/read.lua: wrk script for bench/read.sh. Each request reads one
-- service user chosen at random from the ids file (first script argument),
-- with the bearer token from PERINATAL_BENCH_TOKEN. done() prints the
-- figures read.sh reports, one "BENCH name: value" per line. Every answer
-- is checked: "BENCH unexpected" counts those that are not 200, and
-- read.sh prints no figure when it is not 0.

local ids = {}
local headers = {}
-- Thread numbering, status checks and the summary: bench/checked.lua.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "checked.lua")

-- Runs in each thread's own Lua state.
function init(args)
    local path = args[1]
    if path == nil then
        error("usage: wrk ... -s bench/read.lua URL -- IDS_FILE")
    end
    for line in io.lines(path) do
        if #line > 0 then
            ids[#ids + 1] = line
        end
    end
    if #ids == 0 then
        error("no ids in " .. path)
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
    return wrk.format("GET", "/v1/service-users/" .. ids[math.random(#ids)], headers)
end
