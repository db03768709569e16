-- The debug-lock fuse (docs/debugging.md, "A production lamp refuses"):
-- on a production lamp, whose OTP DEBUG_LOCK is blown, the debug port does
-- not answer, before boot, while running, after a reset and however often
-- it is tried; the fuse stays blown (OTP).  A development lamp's port
-- answers: it halts the core, virtual time stands still while it is
-- halted, and it resumes.  lampsim's other ways in, `lampsim run --gdb`
-- and `lampsim serve`'s /api/lamps/SERIAL/gdb, use this same port: the
-- integration tests gdb_remote and serve_gdb show them refused too.
local prod = scenario.lamp{ profile = "production" }
is(prod:twin().debug_lock, true, "a production lamp has DEBUG_LOCK blown")
local attached, why = prod:debug_attach()
is(attached, nil, "its debug port does not answer before power on")
like(why, "DEBUG_LOCK", "the refusal names the fuse")
prod:power_on()
ok(prod:expect("^light: (on|off) level", 30), "it boots")
for i = 1, 3 do
  is(prod:debug_attach(), nil, "nor while it runs, try " .. i)
end
prod:type("reboot")
ok(prod:expect("^light: (on|off) level", 30), "after a reset")
is(prod:debug_attach(), nil, "the port still does not answer")
is(prod:twin().debug_lock, true, "and the fuse is still blown")
prod:type("status")
ok(prod:expect("^uptime", 5), "the lamp runs on, undisturbed by the attempts")

local dev = scenario.lamp{ profile = "development" }
is(dev:twin().debug_lock, false, "a development lamp has DEBUG_LOCK intact")
dev:power_on()
ok(dev:expect("^light: (on|off) level", 30), "it boots")
ok(dev:debug_attach(), "its debug port answers")
local again, busy = dev:debug_attach()
is(again, nil, "one debugger at a time")
ok(busy ~= nil, "the second is told why: " .. tostring(busy))
local pc = dev:debug_halt()
ok(pc ~= nil and pc >= 0x20000, string.format("it halts the core, in the application (pc 0x%x)", pc or 0))
is(dev:state(), "halted", "the lamp is halted")
local n0 = dev:twin().instructions
like(dev:run_for(5) or "", "halted", "a halted lamp is not run (run_for says why)")
is(dev:twin().instructions, n0, "it executed nothing, and its time (instruction-counted) stood still")
dev:debug_resume()
like(dev:run_for(1), "virtual time", "resumed, it runs its second")
dev:type("status")
ok(dev:expect("^uptime", 5), "and answers its console")
ok(dev:twin().instructions > n0, "executing again")
dev:debug_halt()
dev:debug_detach()
is(dev:state() ~= "halted", true, "detaching lets a halted core run")
dev:type("status")
ok(dev:expect("^uptime", 5), "and the lamp answers its console")
