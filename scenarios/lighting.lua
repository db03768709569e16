-- The lighting service (docs/firmware.md#lighting) on the real firmware,
-- in virtual time: the owner's command and its fade, vacancy control,
-- daylight harvesting, derating under heat, sensors that fail, and the
-- settings kept through a power cut at every flash operation of their
-- save.  What the light does is read from the LIGHT model, never from the
-- console; the console is how the owner's settings are typed (`light set`
-- takes what the cloud's desired state takes).
local function near(got, want, tol, name)
  ok(got ~= nil and math.abs(got - want) <= tol,
     string.format("%s: %s (want %.3f +- %g)", name, tostring(got), want, tol))
end

local function booted(lamp)
  lamp:power_on()
  return lamp:expect("^light: (on|off) level", 30)
end

-- 1. The owner's command, its fade, and what the light reports.
local lamp = scenario.lamp{serial = "LIGHT-1"}
ok(booted(lamp), "the lighting service starts")
like(lamp:console(), "light: on level 100\\.0% 4000 K \\(factory default\\)",
     "a new lamp: on at full, 4000 K")
lamp:type("light 40 3000 2000")
ok(lamp:expect("^light: on level 40\\.0% 3000 K", 5), "the command is taken")
lamp:run_for(1)
local mid = lamp:light()
ok(mid.fading, "the engine fades")
near(mid.level, 70, 1.5, "half way through a 2 s fade from 100 % to 40 %")
lamp:run_for(1.5)
local l = lamp:light()
ok(not l.fading, "the fade is over after 2 s")
near(l.level, 40, 1e-6, "level")
near(l.cct, 3000, 1e-6, "colour")
near(l.watts, 0.30 + 0.40 + 1.06 * 15.4 * 0.4 + 0.004 * (15.4 * 0.4) ^ 2, 1e-6,
     "input power from the lamp model at 40 %")
lamp:type("light")
ok(lamp:expect("^light: on, level 40\\.000%, 3000 K", 5), "`light` says what the hardware does")
-- A reset of the MCU (here `reboot`, SYSRESETREQ; a watchdog's is the
-- same to the light engine) does not flash the tube: the engine keeps
-- shining and the service starts from what it does.
local lowest, highest = 100, 0
lamp:type("reboot")
for _ = 1, 200 do
  lamp:run_for(0.005)
  local lv = lamp:light().level
  lowest, highest = math.min(lowest, lv), math.max(highest, lv)
  if lamp:console():find("light: on level 40%.0%% 3000 K %(restored%)") then break end
end
like(lamp:console(), "light: on level 40\\.0% 3000 K \\(restored\\)", "the settings are restored after the reset")
ok(math.abs(lowest - 40) < 1e-6 and math.abs(highest - 40) < 1e-6,
   string.format("and the light stayed at 40 %% through it (%.3f..%.3f)", lowest, highest))
lamp:type("light off")
ok(lamp:expect("^light: off level", 5), "switched off")
lamp:run_for(2.5) -- the 2 s fade the last command set
is(lamp:light().on, false, "no light")
near(lamp:light().watts, 0.30, 1e-6, "standby power")
lamp:type("light 120")
ok(lamp:expect("usage: light LEVEL", 5), "a level above 100 is refused")
lamp:type("light set cct=9000")
ok(lamp:expect("light: cct must be 2700 to 6500", 5), "a colour out of range is refused")

-- 2. Vacancy control: dims to standby after the vacancy time, off after
-- the standby time, and movement restores.
lamp:type("light set on=1 level=100 fade_ms=0 hold_s=0 occupancy=1 vacancy_s=60 standby_level=10 standby_s=120")
ok(lamp:expect("occupancy control", 5), "occupancy control on")
lamp:motion()
lamp:run_for(58)
near(lamp:light().level, 100, 1e-6, "occupied: full")
lamp:run_for(4)
near(lamp:light().level, 10, 1e-6, "60 s without movement: standby level")
-- Standby began when the PIR's 60 s hold ended (60 s after the motion),
-- so the light goes off 180 s after the motion: look 1 s before that,
-- not at the very millisecond (where the firmware's clock phase, which
-- moves with the boot's length, decides).
lamp:run_for(117)
near(lamp:light().level, 10, 1e-6, "still standby before its 120 s")
lamp:run_for(5)
is(lamp:light().on, false, "then off")
lamp:motion()
lamp:run_for(0.5)
near(lamp:light().level, 100, 1e-6, "a movement brings the light back")
lamp:type("light set occupancy=0")
ok(lamp:expect("^light: on level 100", 5), "occupancy control off")

-- 3. Daylight harvesting: converges on the target, and gives up light
-- when daylight is enough.
lamp:set_daylight(450) -- with the lamp's own 110 lx: 560 lx
lamp:type("light set daylight=1 target_lux=500 hold_s=0")
ok(lamp:expect("daylight harvesting", 5), "daylight harvesting on")
lamp:run_for(20)
local d = lamp:light()
near(d.lux, 500, 50, "within 20 s the ceiling sees the target (+-10 %)")
ok(d.level < 100 and d.level > 20, string.format("by dimming to %.1f %%", d.level))
lamp:set_daylight(2000)
lamp:run_for(30)
near(lamp:light().level, 1, 1e-6, "bright daylight: the loop's minimum")
lamp:set_daylight(0)
lamp:run_for(30)
near(lamp:light().level, 100, 1e-6, "night: the owner's level")
lamp:type("light set hold_s=30")
lamp:type("light 60")
ok(lamp:expect("held", 5), "an owner's command holds the loop off for hold_s")
lamp:set_daylight(450)
lamp:run_for(10)
near(lamp:light().level, 60, 1e-6, "held: the owner's level, whatever the daylight")
lamp:type("light set daylight=0 level=100")
ok(lamp:expect("^light: on level 100", 5), "daylight harvesting off")
lamp:run_for(2)

-- 4. Sensors that fail are reported and not trusted.
lamp:type("light set daylight=1 target_lux=500 hold_s=0")
lamp:run_for(20)
lamp:sensor_fault("lux", "absent")
ok(lamp:expect("light: lux sensor absent: not trusted", 5), "an absent lux sensor is said")
lamp:run_for(3)
near(lamp:light().level, 100, 1e-6, "and the loop stops: the owner's level")
lamp:sensor_fault("lux", "none")
ok(lamp:expect("light: lux sensor answers again", 15),
   "a sensor that answers again is trusted again (looked at every 10 s while out)")
lamp:type("light set daylight=0")
lamp:run_for(3)
lamp:sensor_fault("temp", "absent")
ok(lamp:expect("light: temp sensor absent: not trusted", 5), "an absent temperature sensor is said")
lamp:run_for(2)
near(lamp:light().level, 70, 1e-6, "and the light is kept to 70 % while nothing watches the driver")
lamp:sensor_fault("temp", "none")
ok(lamp:expect("light: temp sensor answers again", 15), "the temperature sensor is back")
lamp:run_for(2)
near(lamp:light().level, 100, 1e-6, "full again once it answers")
lamp:close()

-- A stuck lux sensor: two large steps of the lamp's own light and the
-- reading did not move.
local stuck = scenario.lamp{serial = "LIGHT-STUCK"}
booted(stuck)
stuck:set_daylight(450)
stuck:run_for(1)
stuck:sensor_fault("lux", "stuck")
stuck:type("light set daylight=1 target_lux=500 hold_s=0")
ok(stuck:expect("light: lux sensor stuck: not trusted", 20), "a stuck lux sensor is found out")
stuck:run_for(3)
near(stuck:light().level, 100, 1e-6, "and not followed: the owner's level")
stuck:close()

-- 5. Derating: a hot ceiling trips the driver's comparator, the firmware
-- halves the output; cooler air restores it.
local hot = scenario.lamp{serial = "LIGHT-HOT"}
booted(hot)
hot:set_ambient_temp(45)
ok(hot:expect("light: driver over temperature: output derated", 1200), "over temperature: derated")
hot:run_for(2)
near(hot:light().level, 50, 1e-6, "to half output")
hot:set_ambient_temp(20)
ok(hot:expect("light: driver cooled: output restored", 1200), "cooled: restored")
hot:run_for(2)
near(hot:light().level, 100, 1e-6, "to the owner's level")
hot:close()

-- 6. A power cut at every flash operation of a save leaves the settings
-- before it or after it, never a mix, and the lamp comes back to them.
local first = scenario.lamp{serial = "LIGHT-CUT"}
booted(first)
first:run_for(1)
local fresh = first:snapshot("fresh")
first:close()

scenario.power_cut_sweep{
  what = "a save of the settings", serial = "LIGHT-CUT", from = fresh, start = booted, min_ops = 3,
  act = function(lamp) lamp:type("light 30 3500 0") end,
  done = function(lamp)
    lamp:expect("^light: on level 30", 5)
    lamp:run_for(1)
  end,
  outcome = function(lamp)
    lamp:run_for(1)
    local c = lamp:light()
    if math.abs(c.level - 100) < 1e-6 and math.abs(c.cct - 4000) < 1e-6 then
      return "before", "the settings before"
    end
    if math.abs(c.level - 30) < 1e-6 and math.abs(c.cct - 3500) < 1e-6 then
      return "after", "the settings after"
    end
    return nil, string.format("a mix: %.3f %% %.0f K", c.level, c.cct)
  end,
  after = function(lamp, outcome)
    if outcome ~= "after" then return end
    lamp:power_off()
    booted(lamp)
    lamp:run_for(1)
    near(lamp:light().level, 30, 1e-6, "and after another power cycle still the new level")
  end,
}
