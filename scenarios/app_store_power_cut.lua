-- The app store and power cuts (docs/firmware.md#the-app-store): power is
-- cut at every flash operation of an upgrade installed over the console
-- (the slot's erases and pages, the version floor record, the commit
-- trailer, the old slot's erase), clean after the operation on even cut
-- points and torn during it on odd ones.  Each time the lamp boots, the
-- store holds nightlight 1.0.0 or 1.1.0, exactly one copy, byte for byte
-- the package that was installed or the one that was sent (never a mix),
-- and a later install (1.2.0) works.  Each cut is a fresh copy of the same
-- lamp.
local APP_PART, SLOT_SIZE = 0x1E0000, 0x4000

local old = scenario.sign_app{version = "1.0.0"}
local new = scenario.sign_app{version = "1.1.0", source = "log('nightlight 1.1: ' .. light.level())\n"}
local later = scenario.sign_app{version = "1.2.0"}
local bytes = { ["1.0.0"] = scenario.read_file(old), ["1.1.0"] = scenario.read_file(new) }

local function up(lamp)
  lamp:power_on()
  return lamp:expect("^light: (on|off) level", 30)
end

-- `app list`: the nightlight lines (version and slot) and the count.
local function listing(lamp)
  local before = #lamp:console()
  lamp:type("app list")
  local _, n = lamp:expect("^app: (\\d+) of \\d+ installed", 10)
  local found = {}
  for v, slot in lamp:console():sub(before + 1):gmatch("\napp: nightlight (%d+%.%d+%.%d+) slot=(%d+)") do
    found[#found + 1] = { version = v, slot = tonumber(slot) }
  end
  return found, tonumber(n)
end

local base_lamp = scenario.lamp{serial = "ACUT-BASE"}
up(base_lamp)
assert(base_lamp:install_app(old) == "installed", "the base lamp installs 1.0.0")
local base = base_lamp:snapshot("base")
base_lamp:close()

-- How many flash operations the upgrade takes.
local probe = scenario.lamp{serial = "ACUT-PROBE", from = base}
up(probe)
local ops0 = probe:flash_ops()
is(probe:install_app(new), "installed", "uncut, the upgrade installs")
local ops = probe:flash_ops() - ops0
ok(ops > 20, "the upgrade takes " .. ops .. " flash operations")
probe:close()

local counts = { ["1.0.0"] = 0, ["1.1.0"] = 0 }
for k = 1, ops do
  local torn = k % 2 == 1
  local lamp = scenario.lamp{serial = "ACUT-" .. k, from = base}
  up(lamp)
  lamp:cut_power_at(k, torn)
  lamp:install_app(new, 30)
  local cut = lamp:state() == "off"
  up(lamp)
  local found, n = listing(lamp)
  local one = found[1]
  local whole = n == 1 and #found == 1 and bytes[one.version] ~= nil and
                lamp:read(APP_PART + SLOT_SIZE * one.slot, #bytes[one.version]) == bytes[one.version]
  ok(cut and whole, ("cut %s operation %d of %d: %s, one whole copy"):format(
       torn and "during" or "after", k, ops, one and one.version or "no app"))
  if whole then counts[one.version] = counts[one.version] + 1 end
  local state, why = lamp:install_app(later, 30)
  if state ~= "installed" then
    ok(false, ("after the cut at %d, 1.2.0 installs: %s %s"):format(k, state, why or ""))
  end
  lamp:close()
end
ok(counts["1.0.0"] > 0 and counts["1.1.0"] > 0,
   ("cuts left the old app %d times and the new one %d times"):format(counts["1.0.0"], counts["1.1.0"]))

-- A removal (the slot's 4 erases, trailer sector first, then the app's
-- key/value pair): each cut leaves the app whole or gone, and the name
-- installs again.
probe = scenario.lamp{serial = "ACUT-RPROBE", from = base}
up(probe)
ops0 = probe:flash_ops()
probe:type("app remove nightlight")
ok(probe:expect("^app: nightlight removed", 10), "uncut, the app is removed")
local rops = probe:flash_ops() - ops0
ok(rops >= 6, "the removal takes " .. rops .. " flash operations")
probe:close()
local kept, gone = 0, 0
for k = 1, rops do
  local torn = k % 2 == 1
  local lamp = scenario.lamp{serial = "ACUT-R" .. k, from = base}
  up(lamp)
  lamp:cut_power_at(k, torn)
  lamp:type("app remove nightlight")
  lamp:run_for(2)
  local cut = lamp:state() == "off"
  up(lamp)
  local found, n = listing(lamp)
  local one = found[1]
  local whole = n == 0 or (n == 1 and one.version == "1.0.0" and
                lamp:read(APP_PART + SLOT_SIZE * one.slot, #bytes["1.0.0"]) == bytes["1.0.0"])
  ok(cut and whole, ("removal cut %s operation %d of %d: %s"):format(
       torn and "during" or "after", k, rops, n == 0 and "gone" or "kept whole"))
  if n == 0 then gone = gone + 1 else kept = kept + 1 end
  is(lamp:install_app(later, 30), "installed", ("after the removal cut at %d, 1.2.0 installs"):format(k))
  lamp:close()
end
ok(gone > 0, ("removal cuts left the app %d times and removed it %d times"):format(kept, gone))
