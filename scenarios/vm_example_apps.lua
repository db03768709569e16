-- The example partner apps (apps/: occupancy scenes, a people counter, a
-- beacon rotator; untracked, given by LAMPSIM_APPS_DIR) compile and run
-- their top-level chunk under the runtime, with the APIs and quotas of
-- their manifests except memory: each needs more than one 16 KiB arena
-- (docs/firmware.md#partner-app-vm), so each is given the quota below,
-- measured with this script (the heap's peak while it loads,
-- plus some room).  Their sources are longer than a console line, so
-- they are typed in lines with the development console's `app stage` and
-- loaded with `app load ... staged` (development only: the app store
-- loads signed packages).
local dir = os.getenv("LAMPSIM_APPS_DIR")
local apps = {
  { dir = "occupancy_scenes", quota = 24576 },
  { dir = "people_counter", quota = 22528 },
  { dir = "beacon_rotator", quota = 20480 },
}

local function manifest(path)
  local m = {}
  for line in io.lines(path) do
    local k, v = line:match("^([%w_]+)%s*=%s*(.-)%s*$")
    if k then m[k] = v end
  end
  return m
end

if not dir or not io.open(dir .. "/" .. apps[1].dir .. "/manifest") then
  diag("LAMPSIM_APPS_DIR (" .. tostring(dir) .. ") holds no example apps: nothing to test")
  return
end

local lamp = scenario.lamp{serial = "VMEX-1"}
lamp:power_on()
ok(lamp:expect("^light: (on|off) level", 30), "the lamp is up")

local function stage(path)
  for line in io.lines(path) do
    lamp:type(line == "" and "app stage" or "app stage " .. line)
  end
end

local function load(m, mem, kv)
  local opts = string.format("apis=%s mem=%d cb=%s sec=%s msgs=%s storage=%s timers=%s kv=%d staged",
    m.apis:gsub("%s", ""), mem, m.instructions_per_callback, m.instructions_per_second,
    m.messages_per_minute, m.storage, m.timers, kv)
  lamp:type("app load " .. m.name .. " " .. opts)
  return lamp:expect("^app: " .. m.name .. ": (running|stopped|faulted|disabled):? ?(.*)$", 20)
end

for kv, app in ipairs(apps) do
  local path = dir .. "/" .. app.dir
  local m = manifest(path .. "/manifest")
  -- What its own manifest asks, for the record (it was written for one arena).
  stage(path .. "/app.lua")
  local _, state, why = load(m, tonumber(m.memory), kv - 1)
  diag(string.format("%s with its manifest's memory quota of %s: %s %s", m.name, m.memory, state, why))
  stage(path .. "/app.lua")
  local from = #lamp:console()
  _, state, why = load(m, app.quota, kv - 1)
  is(state, "running", m.name .. " compiles and runs its top-level chunk with a memory quota of " ..
     app.quota .. (why ~= "" and (": " .. why) or ""))
  ok(not lamp:console():find("app: " .. m.name .. ": error", from, true), m.name .. ": without an error")
  lamp:type("app status")
  local _, used, quota, arenas, peak = lamp:expect("^app: " .. m.name ..
    ": running; apis [a-z,]+; memory (\\d+) of (\\d+) in arenas? ([0-9-]+) \\(peak (\\d+)\\)", 5)
  ok(used and tonumber(peak) <= app.quota, string.format("%s holds %s bytes after loading (peak %s " ..
     "while it loaded) in arenas %s", m.name, tostring(used), tostring(peak), tostring(arenas)))
  lamp:type("app unload " .. m.name)
  ok(lamp:expect("^app: " .. m.name .. ": stopped: unloaded$", 5), m.name .. " unloads")
end
lamp:type("app status")
ok(lamp:expect("^app: 0 of 4 apps loaded; 4 of 4 arenas of 16 KiB free$", 5),
   "every arena is free again (the staged sources too)")

-- A staged source is in an arena no entry opens: an app reading it faults.
lamp:type("app stage secret = 42")
lamp:type("app status")
ok(lamp:expect("^app: 12 bytes of source staged in arena 3 ", 5), "app status shows the staged source")
lamp:type("app load peek apis=log probe -- log('peek ' .. probe.read(0x20010000))")
local _, why = lamp:expect("^app: peek: (?:running|faulted): ?(.*)$", 5)
like(why or "", "^MemManage fault in the VM at pc=0x[0-9a-f]{8} addr=0x20010000 ",
     "an app's read of the staged source faults")
lamp:type("app unstage")
lamp:type("app load nothing apis=log staged")
ok(lamp:expect("^app: nothing: load refused: no source staged", 5), "app unstage drops it")
lamp:type("app enable")
lamp:type("app status")
ok(lamp:expect("^app: 0 of 4 apps loaded; 4 of 4 arenas of 16 KiB free$", 5), "and frees its arena")
