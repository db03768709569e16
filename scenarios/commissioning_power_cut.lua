-- Commissioning and power cuts (docs/commissioning.md#keys): the lamp
-- keeps its key and the credentials it delivered in one record, so power
-- lost at any flash operation of accepting a blob leaves either the old
-- key with no credentials or the new key with the new ones, never a mix,
-- and the lamp can be commissioned afterwards from whichever state it
-- kept.  Each cut is a fresh copy of the same lamp.
local INFO = scenario.commissioning.INFO
local CREDS = scenario.commissioning.CREDS
local STATUS = scenario.commissioning.STATUS
local SERIAL = "CUT-LAMP"

local function ready(lamp)
  lamp:power_on()
  local line = lamp:expect("^net: (no WiFi credentials|joining )", 30)
  assert(lamp:ble_connect())
  assert(lamp:ble_subscribe(STATUS))
  return line
end

local function info_of(lamp)
  return scenario.lamp_info(assert(lamp:ble_read(INFO)))
end

local function blob(info)
  return scenario.commission_blob{serial = SERIAL, n = info.n, nonce = info.nonce}
end

local first = scenario.lamp{serial = SERIAL}
first:power_on()
ok(first:expect("^net: no WiFi credentials", 30), "a new lamp")
local fresh = first:snapshot("fresh")
first:close()

-- How many flash operations one acceptance takes.
local probe = scenario.lamp{serial = "CUT-PROBE", from = fresh}
ready(probe)
local ops0 = probe:flash_ops()
assert(probe:ble_write(CREDS, blob(info_of(probe))))
local _, text = probe:ble_notification(10)
like(text, "^accepted n=1", "uncut, the blob is accepted")
local ops = probe:flash_ops() - ops0
ok(ops >= 2, "accepting it took " .. ops .. " flash operations")
probe:close()

local old, new = 0, 0
for k = 1, ops do
  local lamp = scenario.lamp{serial = "CUT-" .. k, from = fresh}
  ready(lamp)
  lamp:cut_power_at(k)
  assert(lamp:ble_write(CREDS, blob(info_of(lamp))))
  lamp:run_for(5)
  local cut = lamp:state() == "off"
  local line = ready(lamp)
  local i = info_of(lamp)
  local whole = (i.n == 0 and i.flags == 0 and line:find("no WiFi", 1, true) ~= nil) or
                (i.n == 1 and i.flags == 1 and line:find("joining site", 1, true) ~= nil)
  ok(cut and whole and i.proof_ok,
     ("cut at operation %d of %d: %s, key and credentials agree"):format(k, ops,
       i.n == 0 and "old state" or "new state"))
  if i.n == 0 then old = old + 1 else new = new + 1 end
  assert(lamp:ble_write(CREDS, blob(i)))
  local _, t = lamp:ble_notification(10)
  like(t, "^accepted n=" .. (i.n + 1), ("after the cut at %d the lamp is commissioned from n=%d"):format(k, i.n))
  lamp:close()
end
ok(old > 0 and new > 0, ("cuts left the old state %d times and the new one %d times"):format(old, new))
