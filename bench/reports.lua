-- bench/reports.lua: wrk script for bench/reports.sh. Each request pulls
-- one of the reports named (in turn) for one quarter, with the bearer
-- token from PERINATAL_BENCH_TOKEN (a commissioner's). done() prints the
-- figures reports.sh reports, one "BENCH name: value" per line. Every
-- answer is checked: "BENCH unexpected" counts those that are not 200.

local paths = {}
local next_path = 0
local headers = {}
-- Thread numbering, status checks and the summary: bench/checked.lua.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "checked.lua")

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
