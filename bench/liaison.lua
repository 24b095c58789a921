-- bench/liaison.lua: wrk script for bench/liaison.sh.
-- POST /v1/liaison-updates: a new update from a health-visiting system
-- (one of the liaison tokens, in turn), its own sender record id unique per
-- request, about a woman the service knows (half) or an NHS number it does
-- not (held unmatched); one in ten with a safeguarding concern (an alert
-- when she is known). Arguments: NHS_FILE (known NHS numbers, one a line)
-- TOKENS_FILE (one liaison token a line) RUN (a run id). Every answer must
-- be 202: response() counts the others, and done() prints "BENCH name:
-- value" lines that liaison.sh checks.

local known, tokens = {}, {}
local threads = {}
local run, sent = "run", 0
unexpected, first_other = 0, ""

function setup(thread)
    threads[#threads + 1] = thread
    thread:set("thread_number", #threads)
end

function init(args)
    for line in io.lines(args[1]) do
        if #line == 10 then known[#known + 1] = line end
    end
    for line in io.lines(args[2]) do
        if #line > 0 then tokens[#tokens + 1] = line end
    end
    run = args[3] or run
    if #known == 0 or #tokens == 0 then error("no NHS numbers or no tokens") end
    math.randomseed(os.time() + 7919 * (thread_number or 0))
end

-- A valid NHS number (modulus 11) outside the loaded range: 990...
local function unknown_nhs()
    while true do
        local d = { 9, 9, 0 }
        for i = 4, 9 do d[i] = math.random(0, 9) end
        local sum = 0
        for i = 1, 9 do sum = sum + d[i] * (11 - i) end
        local check = 11 - sum % 11
        if check == 11 then check = 0 end
        if check ~= 10 then
            return table.concat(d) .. check
        end
    end
end

function request()
    sent = sent + 1
    local nhs = math.random(2) == 1 and known[math.random(#known)] or unknown_nhs()
    local concern = math.random(10) == 1 and "safeguarding" or "maternal_mental_health"
    local day = os.date("!%Y-%m-%d", os.time() - 86400 * math.random(1, 20))
    local body = string.format(
        '{"sender_record_id":"B-%s-%d-%d","nhs_number":"%s","contact_date":"%s",' ..
        '"contact_type":"new_birth_visit","concerns":{"codes":["%s"],"text":"Benchmark"},' ..
        '"infant":{"name":"Baby Bench","date_of_birth":"%s"}}',
        run, thread_number or 0, sent, nhs, day, concern, day)
    return wrk.format("POST", "/v1/liaison-updates", {
        ["Authorization"] = "Bearer " .. tokens[1 + sent % #tokens],
        ["Content-Type"] = "application/json",
        ["Accept"] = "application/json",
    }, body)
end

function response(status, headers, body)
    if status ~= 202 then
        unexpected = unexpected + 1
        if first_other == "" then first_other = status .. " " .. (body or ""):sub(1, 200) end
    end
end

function done(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local e = summary.errors
    local bad, first = 0, ""
    for _, t in ipairs(threads) do
        bad = bad + t:get("unexpected")
        if first == "" then first = t:get("first_other") end
    end
    io.write(string.format("BENCH requests: %d\n", summary.requests))
    io.write(string.format("BENCH requests_per_s: %.0f\n", summary.requests / seconds))
    io.write(string.format("BENCH p50_ms: %.2f\n", latency:percentile(50) / 1000))
    io.write(string.format("BENCH p99_ms: %.2f\n", latency:percentile(99) / 1000))
    io.write(string.format("BENCH unexpected: %d\n", bad))
    io.write(string.format("BENCH unexpected_statuses: %s\n", (first:gsub("\n", " "))))
    io.write(string.format("BENCH socket_errors: %d\n", e.connect + e.read + e.write + e.timeout))
end
