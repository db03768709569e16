-- An app's key/value storage (docs/firmware.md#partner-app-vm,
-- docs/formats.md#app-storage): values survive a reboot, a power cut at
-- any flash operation of a write leaves the old value or the new one
-- (never neither, never a mix), the storage quota refuses a value that
-- does not fit, and another app given the same pair of sectors reads
-- nothing of the first.  Apps are loaded with `app load ... kv=0`
-- (development: the app store will give each installed app its pair).
local OPTS = "apis=storage,log storage=64 kv=0"

local function boot(lamp)
  lamp:power_on()
  return lamp:expect("^light: (on|off) level", 30)
end

-- Loads app `st` whose chunk is code; its first log line (or the load's end).
local function run(lamp, code, name)
  lamp:type("app load " .. (name or "st") .. " " .. OPTS .. " -- " .. code)
  -- (reloading first unloads the last st: "stopped: unloaded" is not it)
  return lamp:expect("^app: " .. (name or "st") .. ": (running|stopped: (?!unloaded).*)$", 10)
end

local function value(lamp)
  run(lamp, "log('k=' .. tostring(storage.get('k')))")
  local text = lamp:console()
  local last
  for v in text:gmatch("app: st: k=([^\n]*)\n") do last = v end
  return last
end

local first = scenario.lamp{serial = "KV-1"}
ok(boot(first), "the lamp is up")
is(value(first), "nil", "a new app's storage is empty")
run(first, "log('set: ' .. tostring(storage.set('k', 'old')))")
like(first:console(), "app: st: set: true", "it stores a value")
is(value(first), "old", "and reads it back")
first:type("reboot")
ok(first:expect("^light: (on|off) level", 30), "the lamp reboots")
is(value(first), "old", "the value survived the reboot")

-- The quota: 64 bytes of entries (3 bytes each, key and value): k=old
-- takes 7, so b may hold 53 bytes and not 54.
run(first, "log('big: ' .. tostring(select(2, storage.set('b', string.rep('x', 54)))) .. ' ' .. " ..
           "'fits: ' .. tostring(storage.set('b', string.rep('x', 53))))")
like(first:console(), "app: st: big: storage quota fits: true", "a value past the quota is refused; one that fits is kept")
run(first, "log('del: ' .. tostring(storage.delete('b')) .. ' ' .. tostring(storage.get('b')))")
like(first:console(), "app: st: del: true nil", "delete removes a key")
is(value(first), "old", "the other key is untouched")

-- Each write rewrites the record: a burst of 8, then one every 10 s.
run(first, "local r = {} for i = 1, 10 do r[i] = tostring(select(2, storage.set('w', 'v' .. i)) or 'ok') end " ..
           "log('writes: ' .. table.concat(r, ','))")
like(first:console(), "app: st: writes: ok,ok,ok,ok,ok,ok,ok,ok,too many storage writes,too many storage writes",
     "a burst of 8 writes, then the next are refused")
run(first, "storage.delete('w')")

-- Another app with the same pair sees nothing of st's.
run(first, "log('other: ' .. tostring(storage.get('k')))", "other")
like(first:console(), "app: other: other: nil", "another app on the same sectors reads nothing of the first's")
first:type("app unload other")
local fresh = first:snapshot("stored-old")
first:close()

-- How many flash operations one write takes.
local probe = scenario.lamp{serial = "KV-P", from = fresh}
boot(probe)
local ops0 = probe:flash_ops()
run(probe, "storage.set('k', 'new')")
local ops = probe:flash_ops() - ops0
ok(ops > 2, "a write takes " .. ops .. " flash operations")
is(value(probe), "new", "uncut, the write lands")
probe:close()

-- A cut after each of them (LAMPSIM_CUT_STRIDE samples the word
-- programs in between; the erase, the first words and the last, with the
-- magic, are always cut).
local stride = tonumber(os.getenv("LAMPSIM_CUT_STRIDE") or "1")
local old, new, bad = 0, 0, 0
for k = 1, ops do
  if k <= 3 or k >= ops - 2 or k % stride == 0 then
    local lamp = scenario.lamp{serial = "KV-C" .. k, from = fresh}
    boot(lamp)
    lamp:cut_power_at(k)
    run(lamp, "storage.set('k', 'new')")
    lamp:run_for(1)
    local cut = lamp:state() == "off"
    boot(lamp)
    local v = value(lamp)
    if cut and v == "old" then old = old + 1 elseif cut and v == "new" then new = new + 1
    else bad = bad + 1; diag(("cut at %d: cut=%s value=%s"):format(k, tostring(cut), tostring(v))) end
    lamp:close()
  end
end
is(bad, 0, "every cut left the old value or the new one")
ok(old > 0 and new > 0, ("cuts left the old value %d times and the new one %d times"):format(old, new))
