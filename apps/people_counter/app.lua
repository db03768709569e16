-- People counter (apps/README.md): each arrival (the occupancy sensor going
-- from vacant to occupied) counts one; every period_s (default 60) the
-- app publishes on lamp/SERIAL/app/people-counter/count
--   {"period":N,"arrivals":A,"occupied_s":S,"total":T}
-- and keeps the lifetime total in storage, so a reboot does not lose it:
-- saved after a period with arrivals, at most every SAVE_MS (each save
-- rewrites a flash sector; NOR takes about 100,000 erases), so a reboot
-- loses at most that long's arrivals.
-- A message "period_s=N" on .../config sets the period (10 to 3600 s).
-- Between reports the app only wakes for the sensor's changes.

local period_s = tonumber(storage.get("period_s")) or 60
local total = tonumber(storage.get("total")) or 0
local period, arrivals, occupied_ms = 0, 0, 0
local occupied = sensors.occupied() == true
local since = timer.now()   -- when the room became occupied, or the period began
local report_id
local SAVE_MS = 15 * 60 * 1000
local saved_at = nil         -- timer.now() of the last save, nil before the first

local function ms_since(t) return (timer.now() - t) & 0xFFFFFFFF end

local function report()
  if occupied then
    occupied_ms = occupied_ms + ms_since(since)
    since = timer.now()
  end
  period = period + 1
  total = total + arrivals
  if arrivals > 0 and (not saved_at or ms_since(saved_at) >= SAVE_MS) then
    local ok, why = storage.set("total", tostring(total))
    if ok then saved_at = timer.now() else log("total not saved: " .. tostring(why)) end
  end
  local sent, w = msg.publish("count", string.format(
    '{"period":%d,"arrivals":%d,"occupied_s":%d,"total":%d}',
    period, arrivals, occupied_ms // 1000, total))
  -- the console hears of periods with people in them only
  if arrivals > 0 or occupied_ms > 0 then
    if not sent then log("count not sent: " .. tostring(w)) end
    log(string.format("period %d: %d arrivals, occupied %d s, total %d",
                      period, arrivals, occupied_ms // 1000, total))
  end
  arrivals, occupied_ms = 0, 0
end

local function schedule()
  if report_id then timer.cancel(report_id) end
  report_id = timer.every(period_s * 1000, report)
end

sensors.on("occupancy", function(now)
  if now and not occupied then
    arrivals = arrivals + 1
    since = timer.now()
  elseif not now and occupied then
    occupied_ms = occupied_ms + ms_since(since)
  end
  occupied = now
end)

msg.subscribe("config", function(_, payload)
  local n = math.tointeger(tonumber(payload:match("^period_s=(%d+)$")))
  if not n or n < 10 or n > 3600 then
    log("config refused: " .. payload:sub(1, 40))
    return
  end
  period_s = n
  storage.set("period_s", tostring(n))
  schedule()
  log("period now " .. n .. " s")
end)

schedule()
log(string.format("people counter: every %d s, total so far %d", period_s, total))
