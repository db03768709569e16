-- bench/vm_costs.lua, run by bench/vm_apps.sh through `lampsim scenario`:
-- what the partner-app runtime costs one lamp, in the lamp's own
-- instructions (twin().instructions; the core runs 120 MHz, so 120 of them
-- are 1 us of the lamp's CPU) and in host CPU (os.clock: this process runs
-- only the lamp while the script waits on it).  Each figure is printed as
-- "# figure NAME VALUE UNIT" for the script to collect; the TAP lines only
-- say that each measurement happened.
local CORE_HZ = 120e6
local apps = os.getenv("LAMPSIM_APPS")

local function figure(name, value, unit)
  print(("# figure %s %.6g %s"):format(name, value, unit))
end

local lamp = scenario.lamp{serial = "BENCH-VM"}
lamp:power_on()
ok(lamp:expect("^light: (on|off) level", 30), "the lamp is up")
lamp:set_occupied(false)
lamp:run_for(40)

-- What it takes from `now` until the console line matching re.
local function cost(re, action, timeout)
  local i0, c0 = lamp:twin().instructions, os.clock()
  action()
  local line = lamp:expect(re, timeout or 10)
  return line, lamp:twin().instructions - i0, os.clock() - c0
end

-- The lamp's idle cost with no app, for comparison.
local i0, c0 = lamp:twin().instructions, os.clock()
lamp:run_for(60)
local idle_insns, idle_cpu = lamp:twin().instructions - i0, os.clock() - c0
figure("idle_no_app_insns_per_s", idle_insns / 60, "instructions")

-- 1. VM start: a load of the smallest app (a Lua state, its libraries,
-- one chunk) against the same console round trip that loads nothing.
local _, base_insns, base_cpu = cost("^app: 0 of \\d apps loaded", function() lamp:type("app status") end)
local line, insns, cpu = cost("^app: start: running$",
  function() lamp:type("app load start apis=log -- local x = 1") end)
ok(line, "an app loads")
figure("vm_start_insns", insns - base_insns, "instructions")
figure("vm_start_lamp_us", (insns - base_insns) / CORE_HZ * 1e6, "us")
figure("vm_start_host_us", math.max(cpu - base_cpu, 0) * 1e6, "us")
lamp:type("app unload start")
lamp:expect("^app: start: stopped", 5)

-- 2. Callback latency and the cost of a sensor event through an app:
-- occupancy changes with a handler that logs, against the same changes
-- with no app (the lighting service's own handling stays in both).
local N = 20
-- Instructions and host time of N occupancy changes, each followed by 35 s
-- of the lamp's time: the PIR holds occupancy 30 s after the last
-- movement, so each change is one event, and the window holds it whole.
local function toggles()
  local i1, c1 = lamp:twin().instructions, os.clock()
  for k = 1, N do
    lamp:set_occupied(k % 2 == 1)
    lamp:run_for(35)
  end
  return (lamp:twin().instructions - i1) / N, (os.clock() - c1) / N
end
local plain_i, plain_c = toggles()
lamp:type("app load ev apis=sensors,log -- local n = 0 " ..
          "sensors.on('occupancy', function(o) n = n + 1 log(n .. ' ' .. tostring(o)) end)")
ok(lamp:expect("^app: ev: running$", 10), "an app with an occupancy handler loads")
lamp:run_for(40)
local app_i, app_c = toggles()
ok(lamp:console():find("app: ev: " .. N .. " false", 1, true), "the app hears every change")
figure("sensor_event_lamp_insns", plain_i, "instructions")
figure("sensor_event_with_app_insns", app_i, "instructions")
figure("sensor_event_added_insns", app_i - plain_i, "instructions")
figure("sensor_event_added_host_us", math.max(app_c - plain_c, 0) * 1e6, "us")
-- Latency: from the change to the app's handler having run.
lamp:set_occupied(false)
lamp:run_for(40)
local l
l, insns = cost("^app: ev: " .. (N + 1) .. " true$", function() lamp:set_occupied(true) end)
ok(l, "the handler runs after a change")
figure("callback_latency_lamp_insns", insns, "instructions")
figure("callback_latency_lamp_us", insns / CORE_HZ * 1e6, "us")
lamp:type("app unload ev")
lamp:expect("^app: ev: stopped", 5)

-- 3. Memory per app: each example app installed alone (each takes two
-- of the four arenas), its heap once loaded and its peak while loading.
if apps then
  for _, a in ipairs{ "occupancy_scenes", "people_counter", "beacon_rotator" } do
    local state, why = lamp:install_app(apps .. "/" .. a .. ".lpk", 60)
    ok(state == "installed", a .. " installs (" .. tostring(why) .. ")")
    local name = why and why:match("^installed ([%w_-]+) ")
    lamp:run_for(2)
    lamp:type("app status")
    local line = lamp:expect("^app: " .. tostring(name) .. ": running.*memory \\d+ of \\d+.*\\(peak \\d+\\)", 5)
    local used, peak = (line or ""):match("memory (%d+) of %d+.-%(peak (%d+)%)")
    ok(used, a .. " runs")
    if used then
      figure("memory_" .. a .. "_bytes", tonumber(used), "bytes")
      figure("memory_peak_" .. a .. "_bytes", tonumber(peak), "bytes")
    end
    -- the lamp's idle cost with it running
    i0 = lamp:twin().instructions
    lamp:run_for(60)
    figure("idle_" .. a .. "_insns_per_s", (lamp:twin().instructions - i0) / 60, "instructions")
    lamp:type("app remove " .. tostring(name))
    lamp:expect("^app: " .. tostring(name) .. " removed", 10)
  end
end
