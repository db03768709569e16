-- The telemetry period (docs/firmware.md#telemetry-period) on the real
-- firmware, in virtual time: the console shows and sets it within its
-- bounds, a bad value is refused and changes nothing, the period is kept
-- across a reset and a power cycle, and a power cut at every flash
-- operation of its save leaves the period before it or after it.  How
-- often a connected lamp then publishes is tests/integration/cloud_ref.lua's
-- (it needs a broker).
local function booted(lamp)
  lamp:power_on()
  return lamp:expect("^light: (on|off) level", 30)
end

-- The period the lamp says it uses now (nil when it does not say).
local function period(lamp)
  lamp:type("telemetry")
  local line = lamp:expect("^telemetry: every ([0-9]+) s \\(", 5)
  return line and tonumber(line:match("every ([0-9]+) s"))
end

-- 1. A new lamp sends every 60 s; bad values are refused with the bounds.
local lamp = scenario.lamp{serial = "TLM-1"}
ok(booted(lamp), "the lamp boots")
is(period(lamp), 60, "a new lamp: every 60 s")
like(lamp:console(), "telemetry: every 60 s \\(5 to 3600; a new lamp 60\\)", "the bounds are shown")
-- {typed, the lamp's answer, the test's name}
for _, c in ipairs{
  {"telemetry 4", "^telemetry: 4 s: the period is 5 to 3600 s", "4 s is refused"},
  {"telemetry 3601", "^telemetry: 3601 s: the period is 5 to 3600 s", "3601 s is refused"},
  {"telemetry soon", "^usage: telemetry SECONDS", "a word is not a period"},
} do
  lamp:type(c[1])
  ok(lamp:expect(c[2], 5), c[3])
end
is(period(lamp), 60, "after the refusals: still 60 s")

-- 2. Set (both bounds taken), then kept across a reset and a power cycle.
for _, s in ipairs{5, 3600, 15} do
  lamp:type("telemetry " .. s)
  ok(lamp:expect("^telemetry: every " .. s .. " s$", 5), s .. " s is taken")
end
lamp:type("reboot")
ok(lamp:expect("^light: (on|off) level", 30), "the lamp resets")
is(period(lamp), 15, "after a reset: every 15 s")
lamp:power_off()
ok(booted(lamp), "power comes back")
is(period(lamp), 15, "after a power cycle: every 15 s")
lamp:close()

-- 3. A power cut at every flash operation of a save leaves the period
-- before it or after it, and the lamp comes back to it.
local first = scenario.lamp{serial = "TLM-CUT"}
booted(first)
first:run_for(1)
local fresh = first:snapshot("fresh")
first:close()

scenario.power_cut_sweep{
  what = "the period's save", serial = "TLM-CUT", from = fresh, start = booted, min_ops = 3,
  act = function(lamp) lamp:type("telemetry 15") end,
  done = function(lamp) lamp:expect("^telemetry: every 15 s$", 5) end,
  outcome = function(lamp)
    local p = period(lamp)
    if p == 60 then return "before", "the period before" end
    if p == 15 then return "after", "the period after" end
    return nil, "period " .. tostring(p)
  end,
}
