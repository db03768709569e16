-- The partner-app VM (docs/firmware.md#partner-app-vm): an app sets the
-- light and logs through the one gate; an endless loop, a pcall that
-- tries to outlive its budget, a runaway pattern match and a memory bomb
-- are stopped with their reason; the escape hatches are absent; a crafted
-- gate call pointing at the keystore is refused; loads of the keystore, platform RAM and a
-- peripheral from the VM fault and are contained.  After each, the lamp
-- answers and has not reset.  Apps are typed at the development console
-- (`app eval`, `app probe`, `app run`).
local function near(got, want, tol, name)
  ok(got ~= nil and math.abs(got - want) <= tol,
     string.format("%s: %s (want %g +- %g)", name, tostring(got), want, tol))
end

local lamp = scenario.lamp{serial = "VM-1"}
lamp:power_on()
ok(lamp:expect("^light: (on|off) level", 30), "the lamp is up")
local resets = lamp:twin().resets

-- Runs one app; the line that ends it and its capture.
local function app(cmd)
  lamp:type("app " .. cmd)
  return lamp:expect("^app: (finished|stopped.*)", 30)
end

local function answers(name)
  lamp:type("status")
  ok(lamp:expect("^uptime: ", 10), name .. ": the lamp still answers")
  is(lamp:twin().resets, resets, name .. ": and did not reset")
end

-- 1. A small app sets the light, reads it back and the sensors, and logs.
lamp:set_daylight(0)
ok(app("eval light.set(30, 0) log('set ' .. light.level() .. ' ' .. tostring(sensors.occupied()))"),
   "an app runs to its end")
like(lamp:console(), "app: set 30\\.0 false", "it logged what the gate answered")
lamp:run_for(0.2)
near(lamp:light().level, 30, 1e-6, "the light is at the level the app set")
like(select(2, app("eval log(tostring(light.set(120)))")) or "", "^stopped: error",
     "a level above 100 is an error in the app")
like(lamp:console(), "level must be 0 to 100", "which says why")

-- The built-in example follows daylight through the sensors API.
lamp:set_daylight(5000)
lamp:run_for(1)
is(select(2, app("run")), "finished", "the example runs")
lamp:run_for(1.5)
near(lamp:light().level, 40, 1e-6, "the example halves the light in daylight")
lamp:set_daylight(0)
lamp:run_for(1)
app("run")
lamp:run_for(1.5)
near(lamp:light().level, 80, 1e-6, "and brings it up without")
answers("after the apps")

-- 2. Budgets: instructions (uncatchable), time and memory.
like(select(2, app("eval while true do end")) or "", "^stopped: instruction budget of \\d+ exhausted",
     "an endless loop is stopped by the instruction budget")
answers("endless loop")
like(select(2, app("eval while true do pcall(function() while true do end end) end")) or "",
     "^stopped: instruction budget", "pcall cannot catch the budget's end")
like(select(2, app("eval string.find(string.rep('a', 60), '.-.-.-.-.-b')")) or "",
     "^stopped: time budget of \\d+ ms exhausted",
     "a C function that runs long (a backtracking pattern) is stopped by the time budget")
answers("backtracking pattern")
like(select(2, app("eval local t = {} while true do t[#t+1] = string.rep('x', 100) .. #t end")) or "",
     "^stopped: error \\(the heap cap was reached\\)", "a memory bomb hits the heap cap")
like(lamp:console(), "app: error: not enough memory", "and the app's error says so")
answers("memory bomb")

-- 3. Nothing but the platform's API: no loader, no host, no bytecode.
-- 4. The gate checks what a compromised VM could pass it.
-- Each: the app's command, what its console shows, the check's name.
for _, c in ipairs{
  { "eval log('g:' .. tostring(load) .. tostring(loadstring) .. tostring(dofile) .. tostring(print))",
    "app: g:nilnilnilnil\n", "no load, loadstring, dofile, print" },
  { "eval log('h:' .. tostring(io) .. tostring(os) .. tostring(debug) .. tostring(require) .. tostring(package))",
    "app: h:nilnilnilnilnil\n", "no io, os, debug, require, package" },
  { "eval log('s:' .. tostring(string.dump) .. tostring(collectgarbage) .. tostring(probe))",
    "app: s:nilnilnil\n", "no string.dump, collectgarbage, and no probes outside `app probe`" },
  { "probe log('r=' .. probe.gate(1, 0x10000, 16))",
    "app: gate: log: 0x00010000\\+16 is outside the app's memory; refused\napp: r=-1\n",
    "a log call pointing at the keystore is refused with VM_EFAULT" },
  { "probe log('w=' .. probe.gate(1, 0xfffffff0, 32))", "app: w=-1\n",
    "a range that wraps around is refused" },
  { "probe log('n=' .. probe.gate(4, 0x10000))", "app: gate: sensors: 0x00010000\\+16 is outside",
    "sensors may not write the keystore" },
  { "probe log('o=' .. probe.gate(99) .. ' l=' .. probe.gate(3, 100001, 0))", "app: o=-4 l=-2\n",
    "an unknown call and a level past full are refused" },
} do
  app(c[1])
  like(lamp:console(), c[2], c[3])
end

-- 5. Loads outside the VM's region fault and are contained.
for _, c in ipairs{ { "0x10000", "the keystore" }, { "0x20000000", "platform RAM" },
                    { "0x40000000", "a peripheral (SYSCTL)" }, { "0x1fff0000", "the OTP fuses" } } do
  local _, why = app("probe log(probe.read(" .. c[1] .. "))")
  like(why or "", "^stopped: MemManage fault in the VM at pc=0x[0-9a-f]{8} addr=0x0*" ..
       c[1]:sub(3) .. " cfsr=0x00000082; the VM was torn down", "a load of " .. c[2] .. " faults in the VM")
  answers(c[2])
end
lamp:type("status")
ok(lamp:expect("^crash records stored: 0$", 10), "no crash record: nothing crashed")
is(select(2, app("eval log('still here')")), "finished", "the next app runs")
