-- tests/integration/light_room.lua (lampsim scenario): the LIGHT block of a
-- lamp running its real firmware, driven from the scenario's side
-- (docs/scenarios.md#light): the room is set, sensors fail, and what the
-- light engine does is read from the model.  The firmware does not drive
-- LIGHT yet, so the lamp stays at its power-on output (full, 4000 K,
-- docs/hardware.md#light) and the figures below follow from the lamp model.
local function near(got, want, tol, name)
  ok(got ~= nil and math.abs(got - want) <= tol,
     string.format("%s: %s (want %.3f +- %g)", name, tostring(got), want, tol))
end

local lamp = scenario.lamp{}
is(lamp:light().powered, false, "no power, no light")
lamp:set_daylight(300)
lamp:power_on()
ok(lamp:expect("^lamp firmware "), "the firmware boots")

local l = lamp:light()
is(l.on, true, "power on lights the lamp at its power-on level")
near(l.level, 100, 1e-9, "level")
near(l.cct, 4000, 1e-6, "colour temperature")
near(l.watts, 17.97264, 1e-6, "input power at full")
near(l.lumens, 2206.60, 0.01, "light output at full")
near(l.lux, 300 + 0.05 * l.lumens, 1e-6, "the sensor sees daylight and the lamp's leak")
is(l.occupied, false, "an empty room")
is(l.faults.pir, "none", "sensors work")

-- A movement: occupied for the 30 s hold, then vacant.
lamp:motion()
ok(lamp:light().occupied, "a movement: occupied")
is(lamp:light().motions, 1, "counted")
lamp:run_for(29)
ok(lamp:light().occupied, "still occupied within the hold")
lamp:run_for(2)
is(lamp:light().occupied, false, "vacant after the hold")
lamp:set_occupied(true)
lamp:run_for(120)
ok(lamp:light().occupied, "a room in use stays occupied")
is(lamp:light().motions, 2, "as one occupancy")
lamp:set_occupied(false)

-- A hot ceiling: 45 degC around the driver, at full output the driver
-- tends to 89.9 degC and its comparator trips at 85 degC.
local t0 = lamp:light().temp
lamp:set_ambient_temp(45)
lamp:run_for(300)
local hot = lamp:light()
ok(hot.temp > t0 + 10, string.format("the driver warms (%.2f -> %.2f degC)", t0, hot.temp))
ok(lamp:expect("light: driver over temperature: output derated", 900),
   string.format("the comparator trips and the firmware derates (%.2f degC)", lamp:light().temp))
lamp:run_for(2) -- its fade
near(lamp:light().level, 50, 1e-9, "to half output")
near(lamp:light().temp_reading, lamp:light().temp, 0.006, "the sensor reads the driver")

-- Faults.
lamp:sensor_fault("temp", "absent")
is(lamp:light().temp_reading, nil, "an absent sensor reads nothing")
is(lamp:light().overtemp, false, "and trips nothing")
is(lamp:light().faults.temp, "absent", "the fault is shown")
lamp:sensor_fault("lux", "stuck")
local stuck = lamp:light().lux_reading
lamp:set_daylight(5000)
is(lamp:light().lux_reading, stuck, "a stuck sensor keeps its reading")
near(lamp:light().lux, 5000 + 0.05 * lamp:light().lumens, 0.01, "while the room changed")
local bad, why = pcall(lamp.sensor_fault, lamp, "lux", "melted")
ok(not bad and tostring(why):find("invalid option 'melted'"), "an unknown fault kind is refused")
bad, why = pcall(lamp.set_daylight, lamp, -5)
ok(not bad and tostring(why):find("out of 0..200000"), "a negative daylight is refused")

-- Energy: the meter keeps its count through a reset, loses it with the
-- power; the room and the faults stay.
local e = lamp:light().energy_wh
-- (about 450 s at full before the hot ceiling, then up to 1,200 s more,
-- the end of it derated: between 300 s at full and 1,400 s at full)
ok(e > 17.97 * 300 / 3600 and e < 17.98 * 1400 / 3600,
   string.format("energy so far: %.3f Wh", e))
lamp:type("reboot")
ok(lamp:expect("^lamp firmware "), "the firmware reboots")
is(lamp:twin().resets, 2, "through a reset of the MCU")
ok(lamp:light().energy_wh >= e, "the energy count survives the reset")
lamp:power_off()
lamp:power_on()
ok(lamp:light().energy_wh < 0.001, "and not the power cut")
is(lamp:light().faults.temp, "absent", "the broken sensor is still broken")
near(lamp:light().daylight, 5000, 0, "the room is still the room")
near(lamp:light().temp, 45, 1e-6, "the driver starts at the room's temperature")
