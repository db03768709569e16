-- tests/integration/scenario_action.lua (lampsim scenario): lamp:action,
-- the actions of lampsim serve's API and of load profiles
-- (sim/lamp_action.c) on a scenario lamp (docs/scenarios.md#actions):
-- each checked by the same parser (refusals name the field) and done
-- to the lamp at its virtual time now.
local lamp = scenario.lamp{}
lamp:power_on()
ok(lamp:expect("^lamp firmware "), "the firmware boots")

is(lamp:action("environment", {daylight_lux = 1234, occupied = true}), true, "environment taken")
is(lamp:light().daylight, 1234, "the room's daylight is what the action set")
is(lamp:light().room_occupied, true, "and its occupancy")

is(lamp:action("sensor_fault", {sensor = "pir", fault = "stuck"}), true, "sensor fault taken")
is(lamp:light().faults.pir, "stuck", "the PIR is stuck")

local resets = lamp:twin().resets
lamp:action("reboot")
ok(lamp:expect("^lamp firmware "), "reboot: the firmware boots again")
is(lamp:twin().resets, resets + 1, "one more reset")

lamp:action("console", {line = "status"})
ok(lamp:expect("uptime: "), "a console line typed at the prompt is answered")

local function refused(name, members, want)
  local good, err = pcall(lamp.action, lamp, name, members)
  ok(not good and tostring(err):find(want, 1, true) ~= nil,
     string.format("%s refused naming %q (%s)", name, want, tostring(err)))
end
refused("net_fault", {fault = "flood"}, "fault: 'flood' is no network fault")
refused("net_fault", {fault = "latency"}, "ms: missing")
refused("environment", {daylight_lux = -5}, "daylight_lux: ")
refused("reboot", {now = true}, "now: unknown member")
refused("explode", nil, "action: 'explode' is no action")
refused("console", {line = {}}, "member line: keys are names")

lamp:action("power_off")
is(lamp:state(), "off", "power_off: the lamp is off")
lamp:action("power_on")
ok(lamp:expect("^lamp firmware "), "power_on: it boots")
