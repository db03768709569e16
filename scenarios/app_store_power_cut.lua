-- The app store and power cuts (docs/firmware.md#the-app-store): power is
-- cut at every flash operation of three store operations over the console,
-- clean after the operation on even cut points and torn during it on odd
-- ones, each cut on a fresh copy of the same lamp (nightlight 1.0.0
-- installed):
--   an upgrade to 1.1.0 (the slot's erases and pages, the version floor
--   record, the commit trailer, the old slot's erases);
--   a new app, b (the same, and the erase of the key/value pair it gets);
--   the removal of nightlight (the slot's erases, then its pair's).
-- Each time the lamp boots with every app it lists whole: byte for byte a
-- package that was installed or sent (never a mix), one copy per name,
-- and a later install works.
local APP_PART, SLOT_SIZE = 0x1E0000, 0x4000

local old = scenario.sign_app{version = "1.0.0"}
local new = scenario.sign_app{version = "1.1.0", source = "log('nightlight 1.1: ' .. light.level())\n"}
local b = scenario.sign_app{name = "b", version = "1.0.0"}
local later = scenario.sign_app{version = "1.2.0"}
local bytes = {
  ["nightlight 1.0.0"] = scenario.read_file(old), ["nightlight 1.1.0"] = scenario.read_file(new),
  ["b 1.0.0"] = scenario.read_file(b),
}

local function up(lamp)
  lamp:power_on()
  return lamp:expect("^light: (on|off) level", 30)
end

-- `app list` as {"name version" = slot} and the count; whether every app
-- listed lies whole in its slot.
local function listing(lamp)
  local before = #lamp:console()
  lamp:type("app list")
  local _, n = lamp:expect("^app: (\\d+) of \\d+ installed", 10)
  local apps, whole, names = {}, true, {}
  for name, v, slot in lamp:console():sub(before + 1):gmatch("\napp: ([%w_%-]+) (%d+%.%d+%.%d+) slot=(%d+)") do
    local key, want = name .. " " .. v, bytes[name .. " " .. v]
    apps[key] = tonumber(slot)
    whole = whole and want ~= nil and not names[name] and
            lamp:read(APP_PART + SLOT_SIZE * tonumber(slot), #want) == want
    names[name] = true
  end
  return apps, tonumber(n), whole
end

local base_lamp = scenario.lamp{serial = "ACUT-BASE"}
up(base_lamp)
assert(base_lamp:install_app(old) == "installed", "the base lamp installs 1.0.0")
local base = base_lamp:snapshot("base")
base_lamp:close()

-- Cuts every flash operation of act(lamp) in turn (tag: in the lamps'
-- serials); outcome(apps, n)
-- names the state a boot found (nil: not one the operation may leave).
local function sweep(what, tag, act, outcome)
  local probe = scenario.lamp{serial = "ACUT-" .. tag .. "-PROBE", from = base}
  up(probe)
  local ops0 = probe:flash_ops()
  ok(act(probe), what .. ": uncut, it succeeds")
  local ops = probe:flash_ops() - ops0
  ok(ops >= 6, what .. " takes " .. ops .. " flash operations")
  probe:close()
  local seen = {}
  for k = 1, ops do
    local torn = k % 2 == 1
    local lamp = scenario.lamp{serial = ("ACUT-%s-%d"):format(tag, k), from = base}
    up(lamp)
    lamp:cut_power_at(k, torn)
    act(lamp)
    lamp:run_for(1)
    local cut = lamp:state() == "off"
    up(lamp)
    local apps, n, whole = listing(lamp)
    local state = outcome(apps, n)
    ok(cut and whole and state, ("%s, cut %s operation %d of %d: %s"):format(
         what, torn and "during" or "after", k, ops, state or "a state it may not leave"))
    if state then seen[state] = (seen[state] or 0) + 1 end
    local installed, why = lamp:install_app(later, 30)
    if installed ~= "installed" then
      ok(false, ("%s: after the cut at %d, nightlight 1.2.0 installs: %s %s"):format(
           what, k, installed, why or ""))
    end
    lamp:close()
  end
  local counts = {}
  for state, c in pairs(seen) do counts[#counts + 1] = state .. " " .. c .. " times" end
  table.sort(counts)
  note(what .. ": " .. table.concat(counts, ", "))
  return seen
end

local seen = sweep("an upgrade", "U", function(lamp) return lamp:install_app(new) == "installed" end,
  function(apps, n)
    return n == 1 and (apps["nightlight 1.0.0"] and "the old app" or apps["nightlight 1.1.0"] and "the new app")
  end)
ok(seen["the old app"] and seen["the new app"], "upgrade cuts left the old app and the new one")

seen = sweep("a new app", "N", function(lamp) return lamp:install_app(b) == "installed" end,
  function(apps, n)
    if not apps["nightlight 1.0.0"] then return nil end
    return (n == 1 and "without b") or (n == 2 and apps["b 1.0.0"] and "with b")
  end)
ok(seen["without b"] and seen["with b"], "new-app cuts left the store without b and with it")

seen = sweep("a removal", "R", function(lamp)
    lamp:type("app remove nightlight")
    return lamp:expect("^app: nightlight removed", 10)
  end,
  function(apps, n)
    return (n == 0 and "removed") or (n == 1 and apps["nightlight 1.0.0"] and "kept")
  end)
ok(seen["removed"], "removal cuts removed the app")
