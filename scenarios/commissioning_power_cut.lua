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

scenario.power_cut_sweep{
  what = "accepting a blob", serial = "CUT", from = fresh, start = ready, min_ops = 2, settle = 5,
  act = function(lamp) assert(lamp:ble_write(CREDS, blob(info_of(lamp)))) end,
  done = function(lamp)
    local _, text = lamp:ble_notification(10)
    like(text, "^accepted n=1", "uncut, the blob is accepted")
  end,
  -- After the cut: the old key without credentials, or the new key with
  -- them (the lamp then joins the site), and the proof verifies under K(n).
  outcome = function(lamp, line)
    local i = info_of(lamp)
    line = line or "(the lamp did not come up)"
    local old = i.n == 0 and i.flags == 0 and line:find("no WiFi", 1, true) ~= nil
    local new = i.n == 1 and i.flags == 1 and line:find("joining site", 1, true) ~= nil
    local said = (old and "old state" or new and "new state" or
                  ("a mix: n=%d flags=%d, %s"):format(i.n, i.flags, line)) ..
                 (i.proof_ok and ", key and credentials agree" or ", the proof does not verify")
    return i.proof_ok and (old and "before" or new and "after") or nil, said
  end,
  -- Whichever state it kept, the lamp is commissioned from it.
  after = function(lamp, _, k)
    local i = info_of(lamp)
    assert(lamp:ble_write(CREDS, blob(i)))
    local _, t = lamp:ble_notification(10)
    like(t, "^accepted n=" .. (i.n + 1), ("after the cut at %d the lamp is commissioned from n=%d"):format(k, i.n))
  end,
}
