-- bench/referrals.lua: wrk script for bench/referrals.sh.
--   mode "overdue": GET /v1/referrals?overdue=true&team=<random team>
--   mode "post":    POST /v1/referrals for a random woman and team
-- Arguments: MODE TEAMS_FILE [IDS_FILE]. Token from PERINATAL_BENCH_TOKEN.
-- done() prints "BENCH name: value" lines that referrals.sh reports. Every
-- answer is checked against the status its mode expects (200 for the list,
-- 201 for a create): "BENCH unexpected" counts the others, and
-- referrals.sh prints no figure when it is not 0.

local mode, teams, ids, headers = nil, {}, {}, {}
-- Thread numbering, status checks and the summary: bench/checked.lua.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "checked.lua")

local function read_lines(path, into)
    for line in io.lines(path) do
        if #line > 0 then into[#into + 1] = line end
    end
    if #into == 0 then error("no lines in " .. path) end
end

function init(args)
    mode = args[1]
    if mode == "overdue" then expected_status = 200
    elseif mode == "post" then expected_status = 201
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
