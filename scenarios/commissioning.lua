-- Commissioning over BLE (docs/commissioning.md).  A lamp that knows no
-- network advertises and never tries the cloud.  It takes WiFi settings
-- only from a blob made under its current key K(n), for this lamp, for the
-- nonce it showed; every other blob is refused with its reason and changes
-- nothing.  After each use the key moves to K(n+1), kept across power
-- cycles, so a used blob never works again.
local INFO = scenario.commissioning.INFO
local CREDS = scenario.commissioning.CREDS
local STATUS = scenario.commissioning.STATUS

local function info_of(lamp)
  local raw = assert(lamp:ble_read(INFO))
  return scenario.lamp_info(raw)
end

-- Writes a blob and returns the lamp's status notification.
local function answer(lamp, blob)
  local okw, why = lamp:ble_write(CREDS, blob)
  if not okw then return "write failed: " .. why end
  local uuid, text = lamp:ble_notification(10)
  if uuid ~= STATUS then return "no status: " .. tostring(text) end
  return text
end

local function blob_for(lamp_serial, info, extra)
  local t = { serial = lamp_serial, n = info.n, nonce = info.nonce }
  for k, v in pairs(extra or {}) do t[k] = v end
  return scenario.commission_blob(t)
end

local a = scenario.lamp{serial = "COM-A"}
local b = scenario.lamp{serial = "COM-B"}
a:power_on()
b:power_on()
ok(a:expect("^net: no WiFi credentials", 30), "a new lamp boots without a network")
ok(b:expect("^net: no WiFi credentials", 30), "so does the second one")
ok(a:ble_advertising(), "a lamp that knows no network advertises")
a:run_for(5)
ok(not a:console():find("cloud: connecting", 1, true), "and never tries the cloud")

ok(a:ble_connect(), "a central connects")
ok(a:ble_subscribe(STATUS), "and subscribes to the status")
local i = info_of(a)
is(i.serial, "COM-A", "lamp info names the lamp")
is(i.n, 0, "its key counter starts at 0")
is(i.flags, 0, "not commissioned")
ok(i.proof_ok, "its proof verifies under K(0) from the registry")

like(answer(a, "LCB1"), "^rejected truncated", "a blob shorter than its header: truncated")
like(answer(a, string.rep("X", 80)), "^rejected malformed", "not a blob: malformed")
i = info_of(a)
local good = blob_for("COM-A", i)
like(answer(a, good:sub(1, #good - 1)), "^rejected truncated", "a blob missing its last byte: truncated")
i = info_of(a)
like(answer(a, blob_for("COM-B", i)), "^rejected other-lamp", "a blob for another lamp: other-lamp")
i = info_of(a)
like(answer(a, blob_for("COM-A", i, {n = 1})), "^rejected future",
     "a blob under a key the lamp has not reached: future")
local old = i.nonce
i = info_of(a)
isnt(i.nonce, old, "every answer comes with a new nonce")
like(answer(a, blob_for("COM-A", {n = 0, nonce = old})), "^rejected nonce",
     "a blob for an earlier nonce: nonce")
i = info_of(a)
like(answer(a, scenario.flip_byte(blob_for("COM-A", i), 60)), "^rejected forged",
     "one ciphertext bit changed: forged")
i = info_of(a)
like(answer(a, scenario.flip_byte(blob_for("COM-A", i), 45)), "^rejected forged",
     "the IV changed: forged")
i = info_of(a)
like(answer(a, blob_for("COM-A", i, {key_of = "COM-B"})), "^rejected forged",
     "well formed, but under another lamp's key: forged")
i = info_of(a)
is(i.n, 0, "nine refusals later the key has not moved")
is(i.flags, 0, "and the lamp holds no credentials")

i = info_of(a)
local used = blob_for("COM-A", i, {ssid = "site", passphrase = "site-passphrase"})
like(answer(a, used), "^accepted n=1", "the cloud's blob for this lamp and nonce: accepted")
ok(a:expect("^net: credentials for site", 5), "the lamp takes the site's network")
like(answer(a, used), "^rejected replayed", "the same blob again: replayed")
i = info_of(a)
is(i.n, 1, "the key moved to K(1)")
is(i.flags, 1, "the lamp is commissioned")
ok(i.proof_ok, "its proof verifies under K(1) derived from K(0)")
like(answer(a, blob_for("COM-A", {n = 0, nonce = i.nonce})), "^rejected replayed",
     "any blob under K(0) is now refused")

-- A second site: K(1) -> K(2); then K(0) is stale, K(1) replayed.
i = info_of(a)
like(answer(a, blob_for("COM-A", i, {ssid = "site2", passphrase = "second-passphrase"})),
     "^accepted n=2", "commissioned again for another site: n=2")
i = info_of(a)
like(answer(a, blob_for("COM-A", {n = 0, nonce = i.nonce})), "^rejected stale",
     "a blob under K(0) two uses later: stale")
a:ble_disconnect()

a:power_off()
a:power_on()
ok(a:expect("^crypto: ", 30), "power cycled")
ok(a:expect("^net: joining site2", 30), "the lamp joins the last site")
ok(a:ble_connect(), "and still takes a central")
i = info_of(a)
is(i.n, 2, "its key counter survived the power cycle")
ok(i.proof_ok, "with the key that goes with it")
ok(not a:console():find("second-passphrase", 1, true), "the console never shows the passphrase")

-- The other lamp's key never moved.
ok(b:ble_connect(), "the second lamp")
is(info_of(b).n, 0, "is still at n=0")
