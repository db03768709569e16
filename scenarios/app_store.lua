-- The app store (docs/firmware.md#the-app-store): packages signed with the
-- development fleet's app-signing key (`lampfactory sign-app`, made here)
-- are installed over the console (`app install`, the update transfer),
-- listed, upgraded, kept across a reset and removed; each refusal gives
-- the verifier's reason and leaves the installed apps as they were: a bad
-- signature, one flipped byte of source, another fleet's package, a
-- downgrade, a downgrade after a removal (the version floor), a 5th app,
-- a binary chunk as source.  Last, the version floor's 16 names: a 17th
-- forgets the oldest name not installed, and only that one.
local HEADER, SIG = 256, 512

local lamp = scenario.lamp{serial = "APPS-1"}
lamp:power_on()
ok(lamp:expect("^light: (on|off) level", 30), "the lamp is up")

-- `app list`: {name = "version slot=N ..."} and the count line.
local function listing()
  local before = #lamp:console()
  lamp:type("app list")
  local _, n = lamp:expect("^app: (\\d+) of \\d+ installed", 10)
  local apps = {}
  for name, rest in lamp:console():sub(before + 1):gmatch("\napp: ([%w_%-]+) ([^\n]*)") do
    if not rest:find("^of ") then apps[name] = rest end
  end
  return apps, tonumber(n)
end

-- The listing as one line, to compare two of them.
local function flat(apps)
  local t = {}
  for name, rest in pairs(apps) do t[#t + 1] = name .. " " .. rest end
  table.sort(t)
  return table.concat(t, "; ")
end

local function install(pkg)
  local state, why = lamp:install_app(pkg, 60)
  return state, why or ""
end

local function refused(pkg, reason, what)
  local before = flat(listing())
  local state, why = install(pkg)
  is(state, "refused", what .. ": refused")
  like(why, reason, what .. ": with the reason")
  is(flat(listing()), before, what .. ": the installed apps are unchanged")
end

-- 1. Install, list, upgrade, keep across a reset.
local v100 = scenario.sign_app{version = "1.0.0"}
local v110 = scenario.sign_app{version = "1.1.0", source = "log('nightlight 1.1')\n"}
local state, why = install(v100)
is(state, "installed", "a package signed with the fleet's app-signing key installs")
like(why, "^installed nightlight 1\\.0\\.0 \\(slot \\d\\)", "the lamp names what it installed")
local apps, n = listing()
is(n, 1, "one app is listed")
like(apps.nightlight or "", "^1\\.0\\.0 slot=\\d kv_pair=\\d apis=light,sensors,storage,log memory=12288 " ..
     "insns_callback=100000 insns_second=1000000 messages_minute=0 storage=512 timers=0",
     "with its version, slot, APIs and quotas")
local pair = (apps.nightlight or ""):match("kv_pair=(%d+)")

is(install(v110), "installed", "an upgrade installs")
apps, n = listing()
is(n, 1, "an upgrade replaces the app: still one")
like(apps.nightlight or "", "^1\\.1\\.0 ", "now at 1.1.0")
is((apps.nightlight or ""):match("kv_pair=(%d+)"), pair, "and it keeps its key/value pair")

lamp:power_off()
lamp:power_on()
ok(lamp:expect("^app: nightlight 1\\.1\\.0 installed \\(slot \\d\\)", 30), "after a reset the store finds it")
like(listing().nightlight or "", "^1\\.1\\.0 ", "and lists it")

-- 2. Refusals, each with its reason; the store is left as it was.
local good = scenario.read_file(v110)
refused(scenario.write_file("badsig.lpk", scenario.flip_byte(good, #good - SIG + 7)),
        "signature invalid", "a package whose signature was altered")
refused(scenario.write_file("tampered.lpk", scenario.flip_byte(good, HEADER + 2, 0x01)),
        "signature invalid", "one byte of source flipped")
local other = scenario.new_fleet("other")
refused(scenario.sign_app{version = "2.0.0", fleet = other}, "for another fleet",
        "a package of another fleet")
refused(v100, "downgrade refused", "a downgrade")
local src_len = scenario.u32(good, 76)
local chunk = "\27Lua\x54\x00\x19\x93\r\n\x1a\n" .. string.rep("\0", src_len - 12)
refused(scenario.write_file("bytecode.lpk", good:sub(1, HEADER) .. chunk .. good:sub(HEADER + src_len + 1)),
        "not text", "a binary chunk as source")
refused(scenario.write_file("short.lpk", good:sub(1, #good - 1)), "length",
        "a package one byte short")

-- 3. Four apps at most; an upgrade still works with four (the spare slot).
for _, name in ipairs{"b", "c", "d"} do
  is(install(scenario.sign_app{name = name}), "installed", "app " .. name .. " installs")
end
is(select(2, listing()), 4, "four apps are installed")
refused(scenario.sign_app{name = "e"}, "as many apps are installed as a lamp holds",
        "a 5th app")
is(install(scenario.sign_app{name = "d", version = "1.0.1"}), "installed",
   "an upgrade with four installed uses the spare slot")
like(listing().d or "", "^1\\.0\\.1 ", "d is at 1.0.1")

-- 4. Removal, and the version floor that outlives it.
lamp:type("app remove nightlight")
ok(lamp:expect("^app: nightlight removed", 10), "an app is removed")
apps, n = listing()
ok(apps.nightlight == nil and n == 3, "and no longer listed")
lamp:type("app remove nightlight")
ok(lamp:expect("^app: nightlight: not removed: no app of that name", 10),
   "removing it again says there is none")
refused(v100, "downgrade refused", "after a removal, an older version than was installed")
lamp:power_off()
lamp:power_on()
ok(lamp:expect("^light: (on|off) level", 30), "after a reset")
refused(v100, "downgrade refused", "the version floor holds across a reset")
is(install(v110), "installed", "the same version as before the removal installs again")
like(listing().nightlight or "", "^1\\.1\\.0 ", "nightlight 1.1.0 is back")

-- 5. The version floor remembers 16 names; a 17th forgets the name raised
-- longest ago that is not installed (docs/firmware.md#the-app-store).
-- Remembered now: nightlight (installed), b, c, d.
for _, name in ipairs{"b", "c", "d"} do
  lamp:type("app remove " .. name)
  assert(lamp:expect("^app: " .. name .. " removed", 10))
end
for i = 1, 12 do
  local name = "f" .. i
  assert(install(scenario.sign_app{name = name}) == "installed", name .. " installs")
  lamp:type("app remove " .. name)
  assert(lamp:expect("^app: " .. name .. " removed", 10))
end
refused(scenario.sign_app{name = "b", version = "0.9.0"}, "downgrade refused",
        "with 16 names remembered, b's floor holds")
is(install(scenario.sign_app{name = "g"}), "installed", "a 17th name installs")
is(install(scenario.sign_app{name = "b", version = "0.9.0"}), "installed",
   "and b, the oldest name not installed, is forgotten: an older b installs")
-- b's return took a 17th place again: c, the next oldest, went.
refused(scenario.sign_app{name = "d", version = "0.9.0"}, "downgrade refused",
        "d, raised after c, is still remembered")
