-- Beacon identity rotator (apps/README.md): a fixed beacon identity lets
-- anyone track where a tag or phone saw the lamp; this app puts a value in
-- the beacons' app slot (the iBeacon minor, the Eddystone instance's last
-- two bytes) that changes every period_s (default 900) and that only
-- whoever knows the secret can map back to the lamp: value =
-- mix(secret, epoch) & 0xFFFF, epoch counting periods since the app
-- started.  The owner sets the secret with a message "secret=HEX16
-- period_s=N" on lamp/SERIAL/app/beacon-rotator/config (kept in storage);
-- the app announces each epoch on .../epoch so the owner's resolver stays
-- in step.

local secret = tonumber(storage.get("secret") or "", 16) or 0x5eed
local period_s = tonumber(storage.get("period_s")) or 900
local epoch = tonumber(storage.get("epoch")) or 0
local timer_id

-- A 64-bit mixer (splitmix64's finaliser): every output bit depends on
-- every input bit, so consecutive epochs give unrelated values.
local function mix(x)
  x = (x ~ (x >> 30)) * -4658895280553007687   -- 0xbf58476d1ce4e5b9
  x = (x ~ (x >> 27)) * -7723592293110705685   -- 0x94d049bb133111eb
  return x ~ (x >> 31)
end

local function value(e) return mix(secret ~ (e * 0x9e3779b97f4a7c15)) & 0xFFFF end

local retry_id
-- Puts this epoch's value on the air; the slot takes one change a second,
-- so a refusal (a new config right after a rotation) is tried again.
local function apply()
  local v = value(epoch)
  local ok, why = beacon.set(v)
  if not ok then
    log("beacon refused: " .. tostring(why))
    if not retry_id then
      retry_id = timer.after(1000, function() retry_id = nil apply() end)
    end
    return
  end
  -- the epoch survives a reboot so no value repeats
  storage.set("epoch", tostring(epoch))
  msg.publish("epoch", string.format('{"epoch":%d,"period_s":%d}', epoch, period_s))
  log(string.format("epoch %d: beacon value 0x%04x", epoch, v))
end

local function rotate()
  epoch = epoch + 1
  apply()
end

local function start()
  if timer_id then timer.cancel(timer_id) end
  timer_id = timer.every(period_s * 1000, rotate)
  rotate()
end

msg.subscribe("config", function(_, payload)
  local hex = payload:match("secret=(%x+)")
  local p = math.tointeger(tonumber(payload:match("period_s=(%d+)") or ""))
  if (hex and #hex > 16) or (p and (p < 60 or p > 86400)) or not (hex or p) then
    log("config refused")
    return
  end
  if hex then secret = tonumber(hex, 16); storage.set("secret", hex) end
  if p then period_s = p; storage.set("period_s", tostring(p)) end
  log("config: rotating every " .. period_s .. " s")
  start()
end)

start()
