-- The example partner apps (apps/README.md), signed by the build with the
-- development fleet's app-signing key (build/apps/*.lpk), installed over
-- the console into the app store and run by the runtime, on a lamp with no
-- cloud: each app's behaviour in the room, in virtual time, and across a
-- reboot.  Their messages through a broker: tests/integration/lamp_apps.lua.
local apps = os.getenv("LAMPSIM_APPS")
if not apps then
  error("LAMPSIM_APPS: the build's apps directory (meson test sets it)")
end

local function up(lamp)
  lamp:power_on()
  return lamp:expect("^light: (on|off) level", 30)
end

local function install(lamp, file)
  local state, why = lamp:install_app(apps .. "/" .. file, 60)
  is(state, "installed", file .. " installs (" .. tostring(why) .. ")")
end

local function level_near(lamp, want, name)
  local l = lamp:light().level
  ok(l and math.abs(l - want) < 0.01, name .. " (" .. tostring(l) .. " %)")
end

-- 1. Occupancy scenes: occupied -> 100 %, then standby 20 % after 300 s
-- without anyone (the PIR's own 30 s hold first), off after 900 s more.
local lamp = scenario.lamp{serial = "EX-SCENES"}
ok(up(lamp), "the lamp is up")
lamp:set_occupied(false)
install(lamp, "occupancy_scenes.lpk")
lamp:run_for(1)
ok(lamp:console():find("app: occupancy-scenes: occupancy scenes: occupied 100 %, standby 20 % " ..
                       "after 300 s, off after 900 s more", 1, true), "it starts with its default scenes")
lamp:set_occupied(true)
ok(lamp:expect("^app: occupancy-scenes: scene occupied \\(100 %\\)$", 10), "someone comes in: the occupied scene")
lamp:run_for(2)
level_near(lamp, 100, "the light is at the occupied level")
lamp:set_occupied(false)
lamp:run_for(30 + 290)
ok(not lamp:console():find("scene standby", 1, true), "before vacancy_s has passed: still occupied")
ok(lamp:expect("scene standby \\(20 %\\)", 30), "after the PIR's hold and vacancy_s: standby")
lamp:run_for(4)
level_near(lamp, 20, "at the standby level")
ok(lamp:expect("scene off \\(0 %\\)", 910), "after off_s more: off")
lamp:run_for(4)
level_near(lamp, 0, "the light is off")
lamp:set_occupied(true)
ok(lamp:expect("scene occupied \\(100 %\\)", 10), "someone again: back to occupied")
lamp:type("app status")
ok(lamp:expect("^app: occupancy-scenes: running", 5), "the app is running")
lamp:close()

-- 2. People counter: arrivals in a period of 60 s, published (offline
-- here: the app says so) and kept as a total across a reboot.
lamp = scenario.lamp{serial = "EX-COUNT"}
up(lamp)
lamp:set_occupied(false)
lamp:run_for(1)
install(lamp, "people_counter.lpk")
lamp:run_for(1)
ok(lamp:console():find("people counter: every 60 s, total so far 0", 1, true), "it starts from 0")
-- three people come and go; the PIR holds each for 30 s
for i = 1, 3 do
  lamp:action("environment", {occupied = true})
  lamp:run_for(1)
  lamp:action("environment", {occupied = false})
  lamp:run_for(32)
end
ok(lamp:expect("period \\d+: \\d+ arrivals, occupied \\d+ s, total \\d+", 120), "it reports a period")
lamp:run_for(60)
local seen = lamp:console()
local arrivals, total = 0, 0
for a, t in seen:gmatch("period %d+: (%d+) arrivals, occupied %d+ s, total (%d+)") do
  arrivals, total = arrivals + tonumber(a), tonumber(t)
end
is(arrivals, 3, "three arrivals counted over its periods")
is(total, 3, "and the total is 3")
ok(seen:find("count not sent: offline", 1, true), "offline, it says its count was not sent")
-- The total is saved after a period with arrivals, at most every 15
-- minutes (flash wear): one more arrival after that long is saved.
lamp:run_for(15 * 60)
lamp:action("environment", {occupied = true})
lamp:run_for(1)
lamp:action("environment", {occupied = false})
ok(lamp:expect("period \\d+: 1 arrivals, occupied \\d+ s, total 4", 120), "a 4th arrival, 15 minutes later")
lamp:type("reboot")
ok(lamp:expect("people counter: every 60 s, total so far 4", 40), "after a reboot its saved total is kept (storage)")
lamp:close()

-- 3. Beacon rotator: a new value each period, never repeated after a reboot.
lamp = scenario.lamp{serial = "EX-ROTATE"}
up(lamp)
install(lamp, "beacon_rotator.lpk")
local _, e1, v1 = lamp:expect("epoch (\\d+): beacon value (0x[0-9a-f]+)", 10)
ok(e1 == "1", "it starts at epoch 1 (" .. tostring(v1) .. ")")
local _, e2, v2 = lamp:expect("epoch (\\d+): beacon value (0x[0-9a-f]+)", 905)
ok(e2 == "2" and v2 ~= v1, "after 900 s: epoch 2, another value (" .. tostring(v2) .. ")")
lamp:type("reboot")
local _, e3, v3 = lamp:expect("epoch (\\d+): beacon value (0x[0-9a-f]+)", 40)
ok(e3 == "3" and v3 ~= v2 and v3 ~= v1, "after a reboot the epochs go on: 3 (" .. tostring(v3) .. ")")
lamp:close()
