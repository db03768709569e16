-- The partner-app VM (docs/firmware.md#partner-app-vm): an app sets the
-- light and logs through the one gate; an endless loop, a pcall that
-- tries to outlive its budget, a runaway pattern match and a memory bomb
-- are stopped with their reason; the escape hatches are absent; a crafted
-- gate call pointing at the keystore is refused; loads of the keystore, platform RAM and a
-- peripheral from the VM fault and are contained, stored as crash records
-- and counted as strikes until the app is disabled; so do a store to code
-- flash and branches into the platform's code, the VM's heap and its
-- stack.  After each, the lamp
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
-- Recursion bombs: in Lua (its stack grows until the heap cap or Lua's
-- own limit), and in the parser (nesting: LUAI_MAXCCALLS bounds the C
-- stack the parser may use on the VM's stack).
like(select(2, app("eval local function f(n) return f(n + 1) + 1 end f(1)")) or "",
     "^stopped: error", "a Lua recursion bomb ends in an error")
like(lamp:console(), "app: error: .*(stack overflow|not enough memory)", "which names the overflow")
answers("Lua recursion bomb")
like(select(2, app("eval return " .. string.rep("(", 200) .. "1" .. string.rep(")", 200))) or "",
     "^stopped: the source does not compile", "a parser recursion bomb (200 nested parentheses) does not compile")
like(lamp:console(), "app: error: .*(C stack overflow|too many)", "the parser's limit says so")
answers("parser recursion bomb")
-- (A binary chunk as source: the console takes no control bytes, and an
-- app package with one is refused by the lamp, scenarios/app_store.lua;
-- the VM loads text chunks only, mode "t", and has no load().)

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

-- 5. Loads outside the VM's region fault and are contained: no reset,
-- a crash record marked as the app VM's goes to nvstore at once (for the
-- cloud: tests/integration/cloud_ref.lua), and a strike against the app
-- ("eval" for console runs).  At the lamp's limit of strikes (it says N)
-- the app is disabled, across a reset, until `app enable`.
local function stored()
  lamp:type("status")
  local _, all, vm = lamp:expect("^crash records stored: (\\d+) \\((\\d+) from the app VM\\)$", 10)
  return tonumber(all), tonumber(vm)
end
local faults, disabled = 0, false
for _, c in ipairs{ { "0x10000", "the keystore" }, { "0x20020000", "platform RAM (above the VM's 80 KiB)" },
                    { "0x40000000", "a peripheral (SYSCTL)" }, { "0x1fff0000", "the OTP fuses" } } do
  local _, why = app("probe log(probe.read(" .. c[1] .. "))")
  like(why or "", "^stopped: MemManage fault in the VM at pc=0x[0-9a-f]{8} addr=0x0*" ..
       c[1]:sub(3) .. " cfsr=0x00000082; the VM was torn down", "a load of " .. c[2] .. " faults in the VM")
  faults = faults + 1
  ok(lamp:expect("^crash: the app VM's MemManage fault is stored for the cloud \\(app eval\\)$", 10),
     c[2] .. ": the fault is stored as a crash record")
  local _, strike, max = lamp:expect("^app: eval: fault strike (\\d+) of (\\d+)", 10)
  strike, max = tonumber(strike), tonumber(max)
  ok(strike and max and max >= 2, c[2] .. ": and counted as a strike (" .. tostring(strike) ..
     " of " .. tostring(max) .. ")")
  answers(c[2])
  local all, vm = stored()
  is(vm, faults, c[2] .. ": the record in nvstore is marked as the app VM's")
  is(all, faults, c[2] .. ": and no other record appeared: nothing crashed")
  if strike and strike == max then
    disabled = true
    like(lamp:console(), "fault strike " .. max .. " of " .. max ..
         "; the app is disabled until it is redeployed", "the last strike disables the app")
    lamp:type("app eval log('refused?')")
    ok(lamp:expect("^app: eval is disabled after " .. max .. " faults", 10),
       "a disabled app is refused, and the lamp says why")
    lamp:run_for(0.5)
    ok(not lamp:console():find("app: refused%?"), "it does not run")
    lamp:type("reboot")
    ok(lamp:expect("^light: (on|off) level", 30), "the lamp comes back up")
    ok(lamp:expect("^app: eval is disabled after " .. max .. " faults", 30),
       "after a reset the app is still disabled (nvstore)")
    resets = lamp:twin().resets
    lamp:type("app eval log('refused?')")
    ok(lamp:expect("^app: eval is disabled after", 10), "and a run is still refused")
    all, vm = stored()
    is(vm, faults, "the app VM's records survived the reset")
    lamp:type("app enable")
    ok(lamp:expect("^app: enabled; no strikes", 10), "`app enable` lifts the strikes")
  end
end

ok(disabled, "the strikes disabled the app (the lamp's limit is at most the 4 faults above)")
like(lamp:console(), "app: eval: fault strike 1 of", "after `app enable` strikes count from 1 again")
is(select(2, app("eval log('still here')")), "finished", "the next app runs")
-- Strikes are each app's own: another app runs, and eval's count goes on.
is(select(2, app("run")), "finished", "another app runs while eval has a strike")
app("probe log(probe.read(0x10000))")
ok(lamp:expect("^app: eval: fault strike 2 of", 10), "and eval's strikes were kept: its next fault is its 2nd")
lamp:type("app enable")
ok(lamp:expect("^app: enabled; no strikes", 10), "`app enable` forgives them")

local svc_handler = scenario.u32(lamp:read(0x20100 + 11 * 4, 4), 0) -- slot A's vector table
-- 6. Stores and jumps a hijacked interpreter could try: a store to code
-- flash, a branch into the platform's code, into the VM's own heap (a
-- string holding Thumb code: `bx lr`) and into the VM's stack.  The MPU
-- stops each (flash is read-only and the platform's part privileged-only;
-- all RAM is execute-never), contained like the loads above.
for _, c in ipairs{
  { "probe.write(0x30000, 0)", "a store to code flash", "cfsr=0x00000082", "addr=0x0*30000" },
  { "probe.call(0x20101)", "a branch into the platform's code (slot A)", "cfsr=0x00000001",
    "pc=0x00020100" },
  { "probe.call(probe.addr('\\112\\071\\112\\071') | 1)", "a branch into the VM's heap (code in a string)",
    "cfsr=0x00000001", "pc=0x200[01][0-9a-f]{4}" },
  { "probe.call(0x20000101)", "a branch into the VM's stack", "cfsr=0x00000001", "pc=0x20000100" },
  -- The SVC handler runs at every gate call, so its code is translated
  -- (privileged) when the VM branches there: the emulator must not let
  -- the unprivileged VM run that translation.
  { ("probe.call(0x%x)"):format(svc_handler), "a branch into the SVC handler, hot in the gate",
    "cfsr=0x00000001", ("pc=0x%08x"):format(svc_handler & ~1) },
} do
  lamp:type("app enable")
  lamp:expect("^app: enabled", 10)
  local _, why = app("probe " .. c[1])
  like(why or "", "^stopped: MemManage fault in the VM at .*" .. c[3], c[2] .. ": faults in the VM")
  like(why or "", c[4], c[2] .. ": where the MPU stopped it")
  ok(lamp:expect("^crash: the app VM's MemManage fault is stored for the cloud \\(app eval\\)$", 10),
     c[2] .. ": the fault is stored as a crash record")
  answers(c[2])
end
lamp:type("app enable")
lamp:expect("^app: enabled", 10)
