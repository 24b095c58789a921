-- bench/contacts.lua: wrk script for bench/contacts.sh.
-- POST /v1/contacts: an attended contact with a random woman, naming her
-- referral, sent with the token of a clinician of her team.
-- Arguments: WOMEN_FILE ("team woman referral" lines) TOKENS_FILE ("team
-- token" lines). Every answer must be 201: response() counts the others,
-- and done() prints "BENCH name: value" lines that contacts.sh checks.

local women, tokens = {}, {}
local threads = {}
not_201, first_other = 0, ""

function setup(thread)
    threads[#threads + 1] = thread
    thread:set("thread_number", #threads)
end

local function words(line)
    local out = {}
    for w in line:gmatch("%S+") do out[#out + 1] = w end
    return out
end

function init(args)
    for line in io.lines(args[1]) do
        local w = words(line)
        if #w == 3 then women[#women + 1] = w end
    end
    for line in io.lines(args[2]) do
        local t = words(line)
        if #t == 2 then tokens[t[1]] = t[2] end
    end
    if #women == 0 then error("no women in " .. args[1]) end
    math.randomseed(os.time() + 7919 * (thread_number or 0))
end

local modes = { "telephone", "home_visit", "video", "face_to_face", "joint_midwifery_clinic" }

function request()
    local w = women[math.random(#women)]
    -- Some time in the 29 days since her referral was received, in the past.
    local at = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 60 - math.random(29 * 86400))
    local body = string.format(
        '{"service_user_id":"%s","referral_id":"%s","team_id":"%s","at":"%s",' ..
        '"duration_minutes":45,"service":"perinatal_team","mode":"%s",' ..
        '"present":{"woman":true},"attendance":"attended","note":"Benchmark contact"}',
        w[2], w[3], w[1], at, modes[math.random(#modes)])
    return wrk.format("POST", "/v1/contacts", {
        ["Authorization"] = "Bearer " .. tokens[w[1]],
        ["Content-Type"] = "application/json",
        ["Accept"] = "application/json",
    }, body)
end

function response(status, headers, body)
    if status ~= 201 then
        not_201 = not_201 + 1
        if first_other == "" then first_other = status .. " " .. (body or ""):sub(1, 200) end
    end
end

function done(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local e = summary.errors
    local bad, first = 0, ""
    for _, t in ipairs(threads) do
        bad = bad + t:get("not_201")
        if first == "" then first = t:get("first_other") end
    end
    io.write(string.format("BENCH requests: %d\n", summary.requests))
    io.write(string.format("BENCH requests_per_s: %.0f\n", summary.requests / seconds))
    io.write(string.format("BENCH p50_ms: %.2f\n", latency:percentile(50) / 1000))
    io.write(string.format("BENCH p99_ms: %.2f\n", latency:percentile(99) / 1000))
    io.write(string.format("BENCH not_201: %d\n", bad))
    io.write(string.format("BENCH first_other: %s\n", (first:gsub("\n", " "))))
    io.write(string.format("BENCH socket_errors: %d\n", e.connect + e.read + e.write + e.timeout))
end
