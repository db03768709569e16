-- The partner-app runtime (docs/firmware.md#partner-app-vm): apps loaded
-- with a manifest (`app load`, development only: no package) persist
-- between callbacks, get timers and sensor events from the main loop,
-- only the APIs their manifest names (absent in Lua and refused by the
-- gate), and are held to their quotas: instructions per callback (the
-- callback ends, the app goes on), per second (the app is stopped),
-- memory (one app's bomb leaves the others running), timers.  After
-- each, the lamp answers and its light works.
local lamp = scenario.lamp{serial = "VMRT-1"}
lamp:power_on()
ok(lamp:expect("^light: (on|off) level", 30), "the lamp is up")
local resets = lamp:twin().resets

local function load(name, opts, code)
  lamp:type("app load " .. name .. " " .. opts .. " -- " .. code)
  return lamp:expect("^app: " .. name .. ": (running|stopped|faulted|disabled)(.*)$", 10)
end

local function goes_on(name)
  lamp:type("status")
  ok(lamp:expect("^uptime: ", 10), name .. ": the lamp still answers")
  is(lamp:twin().resets, resets, name .. ": and did not reset")
  lamp:type("light 37")
  lamp:run_for(1.5)
  local level = lamp:light().level
  ok(level and math.abs(level - 37) < 0.01, name .. ": and its light works (" .. tostring(level) .. ")")
end

-- 1. Events and timers: a persistent state sees both.
lamp:set_occupied(false)
lamp:run_for(0.5)
local _, state = load("watch", "apis=sensors,timers,log",
  "local n = 0 " ..
  "sensors.on('occupancy', function(o) n = n + 1 log('occupied ' .. tostring(o) .. ' #' .. n) end) " ..
  "timer.after(300, function(id) n = n + 1 log('timer ' .. id .. ' #' .. n) end)")
is(state, "running", "an app with a handler and a timer loads and runs")
ok(lamp:expect("^app: watch: timer 1 #1$", 5), "its one-shot timer fires once, with its id")
lamp:set_occupied(true)
ok(lamp:expect("^app: watch: occupied true #2$", 5),
   "an occupancy change calls its handler, with the state it kept between callbacks")
lamp:run_for(2)
ok(not lamp:console():find("timer 1 #3", 1, true), "the one-shot timer does not fire again")
lamp:type("app status")
ok(lamp:expect("^app: watch: running; apis sensors,timers,log; memory \\d+ of 16352 in arena \\d", 5),
   "app status lists it with its APIs and memory")
lamp:type("app unload watch")
ok(lamp:expect("^app: watch: stopped: unloaded$", 5), "it unloads")
-- The lamp's clock: timer.now() counts milliseconds of the lamp's time.
_, state = load("clock", "apis=timers,log",
  "local t0 = timer.now() timer.after(1500, function() " ..
  "log('waited ' .. ((timer.now() - t0) & 0xFFFFFFFF) .. ' ms') end)")
is(state, "running", "an app reading the clock loads")
local _, waited = lamp:expect("^app: clock: waited (\\d+) ms$", 5)
waited = tonumber(waited)
ok(waited and waited >= 1500 and waited < 1600, "timer.now() measures the timer's 1.5 s (" ..
   tostring(waited) .. " ms)")
lamp:type("app unload clock")
lamp:expect("^app: clock: stopped", 5)

lamp:set_occupied(false)
lamp:run_for(1)
ok(not lamp:console():find("occupied false", 1, true), "an unloaded app gets no events")
-- Lux and temperature: a handler gets the reading when it changed enough.
lamp:set_daylight(0)
lamp:run_for(1)
_, state = load("env", "apis=sensors,light,log",
  "sensors.on('lux', function(l) log(string.format('lux %.0f', l)) end) " ..
  "sensors.on('temperature', function(t) log(string.format('temp %.1f', t)) end) " ..
  "log('cct: ' .. tostring(light.cct(3000, 0)))")
is(state, "running", "an app with lux and temperature handlers loads")
lamp:run_for(1.5)
local cct = lamp:light().cct
ok(cct and math.abs(cct - 3000) < 1, "light.cct sets the colour temperature (" .. tostring(cct) .. " K)")
lamp:set_daylight(5000)
local _, lux = lamp:expect("^app: env: lux (\\d+)$", 5)
ok(lux and tonumber(lux) > 1000, "a daylight change calls the lux handler with the reading (" .. tostring(lux) .. " lx)")
lamp:set_ambient_temp(60)
local temps = {}
for _ = 1, 40 do -- the driver warms over minutes: a call at each 0.5 K
  local _, t = lamp:expect("^app: env: temp ([\\d.]+)$", 60)
  if not t then break end
  temps[#temps + 1] = tonumber(t)
  if temps[#temps] > 30 then break end
end
ok(#temps >= 2 and temps[#temps] > 30 and temps[2] > temps[1],
   "a warming driver calls the temperature handler as it warms (" .. table.concat(temps, " ") .. " degC)")
lamp:type("app unload env")
-- Each light change is a flash write of lighting's record: an app on a
-- fast timer gets a burst of 8, then one a second.
load("blink", "apis=light,timers,log",
  "local ok_n, no_n, why = 0, 0 local t = timer.every(50, function() " ..
  "local r, w = light.set(ok_n % 2 == 0 and 20 or 30) if r then ok_n = ok_n + 1 else no_n = no_n + 1 why = w end end) " ..
  "timer.after(3000, function() timer.cancel(t) log('changes ' .. ok_n .. ' refused ' .. no_n .. ' ' .. tostring(why)) end)")
local _, changes, refused = lamp:expect("^app: blink: changes (\\d+) refused (\\d+) too many light changes$", 10)
changes, refused = tonumber(changes), tonumber(refused)
ok(changes and changes >= 9 and changes <= 12 and refused > 30,
   "light changes: a burst of 8 then one a second (" .. tostring(changes) .. " in 3 s, " ..
     tostring(refused) .. " refused)")
lamp:type("app unload blink")
lamp:set_ambient_temp(25)
lamp:set_daylight(0)
goes_on("events")

-- 2. Timer quota: the manifest's quota_timers live timers, no more.
load("tq", "apis=timers,log timers=2",
  "local a = timer.every(1000, function() end) local b = timer.after(5000, function() end) " ..
  "local c, why = timer.after(100, function() end) log('third: ' .. tostring(c) .. ' ' .. tostring(why)) " ..
  "timer.cancel(a) log('after cancel: ' .. tostring(timer.after(100, function() log('fired') end)))")
-- (what the top-level chunk logs comes before the line that says it runs)
ok(lamp:console():find("app: tq: third: nil timer quota\n", 1, true), "a timer past the quota is refused")
ok(lamp:console():find("app: tq: after cancel: 1\n", 1, true), "a cancelled timer's place is free again")
ok(lamp:expect("^app: tq: fired$", 5), "and the new timer fires")
lamp:type("app unload tq")

-- 3. Instructions per callback: that callback ends, with the reason; the
-- app's state survives and its next callback runs.  pcall cannot catch it.
_, state = load("spin", "apis=timers,log cb=20000 sec=2000000",
  "local n = 0 timer.every(200, function() n = n + 1 log('tick ' .. n) " ..
  "if n == 2 then while true do pcall(function() while true do end end) end end end)")
is(state, "running", "spin loads")
local _, why = lamp:expect("^app: spin: running: (instruction quota per callback exceeded.*)$", 5)
like(why or "", "^instruction quota per callback exceeded \\(20000\\); the callback was ended",
     "a callback past its instruction quota is ended, and the reason reported")
ok(lamp:expect("^app: spin: tick 3$", 5), "the app's next callback runs, its state intact")
lamp:type("app status")
ok(lamp:expect("^app: spin: running.*ended by quota 1", 5), "app status counts the ended callback")
lamp:type("app unload spin")
goes_on("per-callback quota")

-- 4. Instructions per second: the app is stopped with the reason.
_, state = load("hog", "apis=timers,log cb=90000 sec=150000",
  "timer.every(50, function() local x = 0 for i = 1, 20000 do x = x + i end end)")
is(state, "running", "hog loads")
_, why = lamp:expect("^app: hog: stopped: (.*)$", 5)
is(why, "instruction quota per second exceeded", "an app past its instructions per second is stopped, and says why")
lamp:run_for(1)
lamp:type("app status")
ok(lamp:expect("^app: hog: stopped: instruction quota per second exceeded;", 5),
   "app status shows it stopped, with the reason")
lamp:type("app unload hog")
goes_on("per-second quota")

-- 5. Memory: one app's bomb leaves another app running.
load("calm", "apis=timers,log", "local n = 0 timer.every(250, function() n = n + 1 log('calm ' .. n) end)")
_, state = load("bomb", "apis=timers,log mem=14336",
  "local t = {} timer.after(100, function() while true do t[#t + 1] = string.rep('x', 64) .. #t end end)")
is(state, "running", "bomb loads")
ok(lamp:expect("^app: bomb: error: not enough memory", 5), "the bomb hits its own memory quota")
local _, n1 = lamp:expect("^app: calm: calm (\\d+)$", 5)
local _, n2 = lamp:expect("^app: calm: calm (\\d+)$", 5)
ok(n1 and n2 and tonumber(n2) == tonumber(n1) + 1, "the other app goes on, its state intact")
lamp:type("app status")
ok(lamp:expect("^app: bomb: running.*memory \\d+ of 14336", 5), "the bomb's arena is full, its state kept")
lamp:type("app unload bomb")
lamp:type("app unload calm")
goes_on("memory bomb")

-- 6. An API the manifest does not name: absent in Lua, and the gate
-- refuses its calls even when the VM makes them raw (probe: development).
_, state = load("nolight", "apis=log probe",
  "log('apis: ' .. tostring(light) .. ' ' .. tostring(sensors) .. ' ' .. tostring(timer)) " ..
  "log('raw light.set: ' .. probe.gate(3, 50000, 0) .. ' raw sensors: ' .. probe.gate(4, 0))")
ok(lamp:console():find("app: nolight: apis: nil nil nil", 1, true), "light, sensors and timer are absent")
like(lamp:console(), "app: gate: nolight: call 3 needs an API its manifest does not name; refused",
     "the gate refuses a raw light.set")
ok(lamp:console():find("app: nolight: raw light.set: -6 raw sensors: -6", 1, true),
   "both raw calls return VM_EPERM")
lamp:type("app unload nolight")
goes_on("undeclared API")

-- 7. Four apps at once, a fifth is refused; a console run needs a free arena.
for i = 1, 4 do load("a" .. i, "apis=log", "log('up " .. i .. "')") end
lamp:type("app load a5 apis=log -- log('up 5')")
ok(lamp:expect("^app: a5: load refused: 4 apps are loaded$", 5), "a fifth app is refused")
lamp:type("app eval log('x')")
ok(lamp:expect("^app: no arena free", 5), "and so is a console run")
for i = 1, 4 do lamp:type("app unload a" .. i) end
lamp:type("app eval log('x')")
ok(lamp:expect("^app: finished", 5), "after unloading, a console run goes")
goes_on("four apps")

-- 8. Messages: only below lamp/SERIAL/app/NAME/, and quota_messages_minute.
-- (Delivery through a broker: tests/integration/cloud_ref.lua.)
_, state = load("pub", "apis=messages,log msgs=3 probe",
  "local function try(s) local ok, e = pcall(msg.publish, s, 'p') log(s .. ': ' .. tostring(ok) .. ' ' .. tostring(e)) end " ..
  "try('../x') try('a/+') try('#') try('/abs') try('a//b') try(string.rep('a', 33)) " ..
  "local s = '../../../x/y' log('raw: ' .. probe.gate(14, probe.addr(s), #s, probe.addr('p'))) " ..
  "for i = 1, 4 do log('publish ' .. i .. ': ' .. tostring(select(2, msg.publish('state', 'n' .. i)))) end")
is(state, "running", "pub loads")
for _, s in ipairs{ "../x", "a/+", "#", "/abs", "a//b", string.rep("a", 33) } do
  like(lamp:console(), "app: pub: " .. s:gsub("[%.%+%#%/]", "\\%0") .. ": false .*topic must be",
       "publishing on '" .. s .. "' is refused")
end
ok(lamp:console():find("app: pub: raw: -2\n", 1, true), "and the gate refuses a raw call with such a topic")
ok(lamp:console():find("app: pub: publish 3: offline\n", 1, true),
   "publishes within the quota go to netmgr (offline here)")
ok(lamp:console():find("app: pub: publish 4: message quota\n", 1, true), "the fourth in a minute is refused")
lamp:type("app unload pub")
_, state = load("sub", "apis=messages,log msgs=1",
  "for _, t in ipairs{'a', 'b/c', 'd', 'e', 'f'} do " ..
  "log(t .. ': ' .. tostring(select(2, msg.subscribe(t, function() end)) or 'ok')) end")
is(state, "running", "sub loads")
ok(lamp:console():find("app: sub: a: ok\napp: sub: b/c: ok\napp: sub: d: ok\napp: sub: e: ok\n" ..
                       "app: sub: f: too many subscriptions\n", 1, true),
   "an app subscribes to its subtopics, four at most")
lamp:type("app unload sub")
goes_on("messages")

-- 9. Idle apps cost nothing: an app waiting for movement adds no wake-up
-- (the lamp's instructions over 30 s idle, without and with it).
local function idle_insns()
  lamp:run_for(1)
  local before = lamp:twin().instructions
  lamp:run_for(30)
  return lamp:twin().instructions - before
end
local base = idle_insns()
load("idle", "apis=sensors,log", "sensors.on('occupancy', function(o) log('moved ' .. tostring(o)) end)")
local with = idle_insns()
diag(("idle 30 s: %d instructions without an app, %d with one waiting for movement"):format(base, with))
-- (a wake-up costs the idle lamp about a thousand instructions: one more
-- a second would add some 30,000; the app's look at the sensors at each
-- of the lamp's own wake-ups adds a few hundred)
ok(with <= base + 3000, "an app waiting for an event adds no wake-up to an idle lamp")
lamp:set_occupied(true)
ok(lamp:expect("^app: idle: moved true$", 5), "and it still hears the event")
lamp:type("app unload idle")

-- 10. string.format, through the VM's own formatter (vm_format.c, not
-- newlib's): each case as the host's C library formats it.  (Past 15
-- significant digits it may differ in the last ones: %.17g of 0.1 is 0.1.)
local cases = {
  { "%d", "42" }, { "%5d|", "-42" }, { "%-5d|", "42" }, { "%05d", "42" }, { "%+d", "5" },
  { "% d", "5" }, { "%.3d", "7" }, { "%5.3d", "-7" }, { "%x", "255" }, { "%#X", "255" },
  { "%o", "8" }, { "%#o", "8" }, { "%c", "65" }, { "%s", "'hi'" }, { "%5.1s|", "'hello'" },
  { "%-8s|", "'ab'" }, { "%.3f", "3.14159" }, { "%10.2f", "-2.5" }, { "%f", "0" },
  { "%.0f", "1.4" }, { "%.2f", "9.996" }, { "%.3f", "0.0004" }, { "%.3f", "0.0006" },
  { "%f", "1e20" }, { "%e", "12345.678" }, { "%.2E", "0.000123" }, { "%e", "0" },
  { "%g", "100000" }, { "%g", "1000000" }, { "%g", "1e-5" }, { "%g", "0.0001" },
  { "%#g", "1.5" }, { "%.3g", "2.0" }, { "%g", "123456789" }, { "%G", "1e-10" },
  { "%.14g", "0.1" }, { "%.15g", "2/3" }, { "%a", "1.0" }, { "%a", "0.1" }, { "%A", "-3.5" },
  { "%a", "0" }, { "%q", "0.1" }, { "%q", "'a\\nb'" }, { "%5s|%-5d|%x", "'x', 3, 16" },
  { "%d", "math.mininteger" }, { "%x", "-1" }, { "%.1f", "-0.04" }, { "%g", "1/0" },
  { "%.99f", "1e-300" },
}
local same = 0
for i, c in ipairs(cases) do
  local args = _G.load("return " .. c[2])
  local want = string.format(c[1], args()):gsub("[^ -~]", "?")
  lamp:type("app eval log('f" .. i .. "=' .. string.format('" .. c[1] .. "', " .. c[2] .. "))")
  local _, got = lamp:expect("^app: f" .. i .. "=(.*)$", 5)
  if got == want then same = same + 1
  else diag(("string.format('%s', %s): lamp %s, host %s"):format(c[1], c[2], tostring(got), want)) end
end
is(same, #cases, "string.format agrees with the host's C library on every case")

-- 11. A fault in one app's callback tears down only that app: the crash
-- record is stored, the other app goes on with its state.
load("steady", "apis=timers,log", "local n = 0 timer.every(200, function() n = n + 1 log('steady ' .. n) end)")
_, state = load("crash", "apis=timers,log probe", "timer.after(100, function() probe.read(0x10000) end)")
is(state, "running", "crash loads")
_, why = lamp:expect("^app: crash: faulted: (.*)$", 5)
like(why or "", "^MemManage fault in the VM at pc=0x[0-9a-f]{8} addr=0x00010000 cfsr=0x00000082; the VM was torn down",
     "a fault in its callback tears the app down, with the reason")
ok(lamp:console():find("crash: the app VM's MemManage fault is stored for the cloud (app crash)\n", 1, true),
   "and the crash record is stored under its name (before the state is reported)")
local _, s1 = lamp:expect("^app: steady: steady (\\d+)$", 5)
local _, s2 = lamp:expect("^app: steady: steady (\\d+)$", 5)
ok(s1 and s2 and tonumber(s2) == tonumber(s1) + 1, "the other app goes on, its state intact")
-- Lua bounds its C recursion (LUAI_MAXCCALLS, 200 levels), and the VM's
-- 15.5 KiB stack holds that much of the parser: a deeply nested
-- expression is a compile error, not an overflow (with 8 KiB it was a
-- stacking fault below SRAM, contained the same way).
lamp:type("app eval local x = " .. string.rep("(", 230) .. "1" .. string.rep(")", 230))
is(select(2, lamp:expect("^app: (stopped.*)$", 10)), "stopped: the source does not compile",
   "a deeply nested expression is refused by Lua's C-call limit, within the VM's stack")
like(lamp:console(), "app: error: .*C stack overflow", "which says so")
_, s1 = lamp:expect("^app: steady: steady (\\d+)$", 5)
ok(s1, "and the loaded app still runs")
lamp:type("app unload steady")
lamp:type("app unload crash")
lamp:type("app enable")
goes_on("faults")

-- 12. The time budget behind the instruction hook: a C function of Lua's
-- library that runs long on one instruction (a backtracking match) in a
-- callback; the app is torn down (its state may be corrupt), the other
-- goes on.
load("steady2", "apis=timers,log", "local n = 0 timer.every(300, function() n = n + 1 log('steady2 ' .. n) end)")
load("slow", "apis=timers,log cb=10000000 sec=24000000",
  "timer.after(100, function() string.find(string.rep('a', 60), '.-.-.-.-.-b') end)")
_, why = lamp:expect("^app: slow: faulted: (.*)$", 10)
is(why, "time budget of 1000 ms exhausted", "a callback past the 1 s time budget tears its app down")
_, s1 = lamp:expect("^app: steady2: steady2 (\\d+)$", 5)
_, s2 = lamp:expect("^app: steady2: steady2 (\\d+)$", 5)
ok(s1 and s2 and tonumber(s2) == tonumber(s1) + 1, "the other app goes on")
lamp:type("app unload steady2")
lamp:type("app unload slow")
goes_on("time budget")

-- 13. Apps are apart in hardware: an entry opens the VM's stack and job
-- and the running app's own arena only (MPU region 6's sub-regions), so
-- an app that reads another's arena faults, and the gate refuses to write
-- there for it; the other app goes on.
load("victim", "apis=timers,log", "local n = 0 timer.every(200, function() n = n + 1 log('victim ' .. n) end)")
_, state = load("spy", "apis=sensors,timers,log probe",
  "local base, size = 0x20004000, 0x4000 " ..
  "local own = (probe.addr('x') - base) // size " ..
  "local other = base + ((own + 1) % 4) * size " ..
  "log(string.format('own arena %d, gate into 0x%08x: %d', own, other, probe.gate(4, other))) " ..
  "timer.after(100, function() log(string.format('reading 0x%08x', other)) probe.read(other) end)")
is(state, "running", "spy loads")
like(lamp:console(), "app: gate: sensors: 0x2000[0-9a-f]{4}\\+16 is outside the app's memory; refused",
     "the gate refuses to write another app's arena for it")
like(lamp:console(), "app: spy: own arena \\d, gate into 0x2000[0-9a-f]{4}: -1", "with VM_EFAULT")
local _, addr = lamp:expect("^app: spy: reading (0x[0-9a-f]{8})$", 5)
_, why = lamp:expect("^app: spy: faulted: (.*)$", 5)
like(why or "", "^MemManage fault in the VM at pc=0x[0-9a-f]{8} addr=" .. tostring(addr) ..
     " cfsr=0x00000082", "a read of another app's arena faults, and tears the reader down")
_, s1 = lamp:expect("^app: victim: victim (\\d+)$", 5)
_, s2 = lamp:expect("^app: victim: victim (\\d+)$", 5)
ok(s1 and s2 and tonumber(s2) == tonumber(s1) + 1, "the other app goes on, its state intact")
lamp:type("app unload victim")
lamp:type("app unload spy")
lamp:type("app enable")
goes_on("apart")

-- 14. An app larger than an arena: its memory quota decides how many
-- contiguous 16 KiB arenas it holds (lowest free first); an entry opens
-- all of them and nothing else (MPU region 6's sub-regions, and the
-- gate's checks), a load that does not fit is refused with what is free,
-- and all of its arenas are wiped when it goes.  The arenas follow the
-- stack's sub-region (docs/firmware.md#partner-app-vm): arena i at
-- 0x20004000 + i * 0x4000.
load("small", "apis=timers,log", "local n = 0 timer.every(200, function() n = n + 1 log('small ' .. n) end)")
_, state, why = load("big", "apis=sensors,timers,log mem=32000 probe",
  "t, r = {}, probe.read for i = 1, 16 do t[i] = string.rep(string.char(64 + i), 1000) end " ..
  "local at = probe.addr(t[16]) + 16 " ..
  "log(string.format('big holds %d strings, the last at 0x%08x: 0x%08x', #t, at, r(at))) " ..
  "r(0x20008000) r(0x20010000 - 4) log('it read its first and last word') " ..
  "log(string.format('gate: %d, %d', probe.gate(4, 0x20010000 - 16), probe.gate(4, 0x20010000))) " ..
  "timer.after(300, function() log('reading 0x20010000') r(0x20010000) end)")
is(state, "running", "an app with a memory quota of 32000 (two arenas) loads" .. (why or ""))
local at, word = lamp:console():match("app: big: big holds 16 strings, the last at (0x%x+): (0x%x+)\n")
ok(at and tonumber(at) >= 0x2000c000 and tonumber(at) < 0x20010000,
   "its heap runs on into its second arena (" .. tostring(at) .. ")")
is(word, "0x50505050", "where its string's bytes are")
ok(lamp:console():find("app: big: it read its first and last word\n", 1, true),
   "it reads both of its arenas, at their ends")
ok(lamp:console():find("app: big: gate: 0, -1\n", 1, true),
   "the gate takes a pointer into its second arena and refuses one past its last")
lamp:type("app status")
local _, used = lamp:expect("^app: big: running; apis sensors,timers,log; memory (\\d+) of 32000 in arenas 1-2 ", 5)
ok(used and tonumber(used) > 16352, "app status shows its two arenas and more memory than one holds (" ..
   tostring(used) .. ")")
ok(lamp:console():find("app: 2 of 4 apps loaded; 1 of 4 arenas of 16 KiB free\n", 1, true),
   "and the arenas left")
lamp:type("app load huge apis=log mem=20000 -- log('huge')")
ok(lamp:expect("^app: huge: load refused: needs 2 arenas of 16 KiB for 20000 bytes of memory, 1 free$", 5),
   "an app that needs two arenas when one is free is refused, with what it needs and what is free")
_, why = lamp:expect("^app: big: faulted: (.*)$", 5)
like(why or "", "^MemManage fault in the VM at pc=0x[0-9a-f]{8} addr=0x20010000 cfsr=0x00000082",
     "a read just past its last arena faults, and tears it down")
_, s1 = lamp:expect("^app: small: small (\\d+)$", 5)
_, s2 = lamp:expect("^app: small: small (\\d+)$", 5)
ok(s1 and s2 and tonumber(s2) == tonumber(s1) + 1, "the other app goes on")
_, state = load("heir", "apis=log mem=30000 probe",
  "log(string.format('heir reads 0x%08x: 0x%08x', " .. tostring(at) .. ", probe.read(" .. tostring(at) .. ")))")
is(state, "running", "the next app of two arenas loads into the same ones")
ok(lamp:console():find("app: heir: heir reads " .. tostring(at) .. ": 0x00000000\n", 1, true),
   "and finds nothing of the last one there: its arenas were wiped")
lamp:type("app unload small")
lamp:type("app load huge apis=log mem=20000 -- log('huge')")
ok(lamp:expect("^app: huge: load refused: needs 2 arenas of 16 KiB for 20000 bytes of memory, " ..
               "2 free but not contiguous$", 5), "two free arenas apart are not two contiguous ones")
lamp:type("app unload heir")
_, state = load("all", "apis=log mem=65504",
  "local t = {} for i = 1, 50 do t[i] = string.rep('x', 1000) .. i end log('all holds ' .. #t)")
is(state, "running", "an app may take all four arenas (mem=65504, APP_QUOTA_MEMORY_MAX)")
ok(lamp:console():find("app: all: all holds 50\n", 1, true), "and hold 50 KiB in them")
lamp:type("app load max1 apis=log mem=65505 -- log('x')")
ok(lamp:expect("^app: load refused: app memory quota out of range", 5), "a quota above that is refused")
lamp:type("app eval log('x')")
ok(lamp:expect("^app: no arena free", 5), "and while it runs no console run finds an arena")
lamp:type("app unload all")
lamp:type("app enable")
goes_on("arenas")
