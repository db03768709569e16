-- Occupancy scenes (apps/README.md): someone in the room -> the "occupied"
-- scene; nobody for vacancy_s -> "standby"; nobody for a further off_s ->
-- off.  The owner sets the scenes with a message on
-- lamp/SERIAL/app/occupancy-scenes/set ("occupied=90 standby=15 vacancy_s=120
-- off_s=600 cct=3500"); they are kept in storage, so a reboot keeps them,
-- and every change of scene is published on .../scene.

local defaults = { occupied = 100, standby = 20, vacancy_s = 300, off_s = 900, cct = 4000 }
local limits = {
  occupied = { 0, 100 }, standby = { 0, 100 }, vacancy_s = { 10, 86400 },
  off_s = { 10, 86400 }, cct = { 2700, 6500 },
}
local cfg = {}
local scene, timer_id = nil, nil

local function load_config()
  for k, v in pairs(defaults) do
    cfg[k] = tonumber(storage.get(k)) or v
  end
end

local function enter(name)
  if scene == name then return end
  scene = name
  local level = name == "occupied" and cfg.occupied or name == "standby" and cfg.standby or 0
  local ok, why = light.set(level, name == "occupied" and 500 or 3000)
  if not ok then log("scene " .. name .. ": light refused: " .. tostring(why)) end
  msg.publish("scene", string.format('{"scene":"%s","level":%d}', name, level))
  log(string.format("scene %s (%d %%)", name, level))
end

local function after(seconds, fn)
  if timer_id then timer.cancel(timer_id) end
  timer_id = timer.after(seconds * 1000, function()
    timer_id = nil
    fn()
  end)
end

local function occupancy(occupied)
  if occupied then
    if timer_id then timer.cancel(timer_id); timer_id = nil end
    enter("occupied")
  else
    after(cfg.vacancy_s, function()
      enter("standby")
      after(cfg.off_s, function() enter("off") end)
    end)
  end
end

-- "key=value ..." pairs; every key known, every value within its limits,
-- or nothing changes.
local function set(_, payload)
  local new = {}
  for k, v in payload:gmatch("([%a_]+)=(%-?%d+)") do
    local lim = limits[k]
    v = math.tointeger(tonumber(v))
    if not lim or not v or v < lim[1] or v > lim[2] then
      msg.publish("error", string.format('{"refused":"%s"}', k))
      log("set: refused " .. k)
      return
    end
    new[k] = v
  end
  for k, v in pairs(new) do
    local ok, why = storage.set(k, tostring(v))
    if not ok then log("set: " .. k .. " not saved: " .. tostring(why)) end
    cfg[k] = v
  end
  light.cct(cfg.cct, 1000)
  local s = scene
  scene = nil
  if s then enter(s) end
end

load_config()
msg.subscribe("set", set)
sensors.on("occupancy", occupancy)
light.cct(cfg.cct, 0)
occupancy(sensors.occupied() == true)
log(string.format("occupancy scenes: occupied %d %%, standby %d %% after %d s, off after %d s more",
                  cfg.occupied, cfg.standby, cfg.vacancy_s, cfg.off_s))
