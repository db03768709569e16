-- tests/integration/cloud_ref.lua: run by cloud_ref.sh, which starts
-- lampcloud serve and passes its ports and files in the environment.
-- lamp:expect takes a regular expression, the cloud's log a Lua pattern.
-- LAMP_VARIANT: crypto or basic (the suite runs both ways).
local variant = os.getenv("LAMP_VARIANT") or "crypto"
local fleet = { dir = os.getenv("FLEET") }
local state = os.getenv("CLOUD_STATE")

local function near(got, want, tol, name)
  ok(got ~= nil and math.abs(got - want) <= tol,
     string.format("%s: %s (want %.3f +- %g)", name, tostring(got), want, tol))
end

local function lamp_for(serial)
  return scenario.lamp{ serial = serial, fleet = fleet, ap = "lab:password123",
                        cloud = "localhost:" .. os.getenv("MQTT_PORT"), variant = variant }
end
local cloud = dofile(scenario.file:match("^(.*)/") .. "/cloud_lib.lua")
local sh, cloud_log, cloud_says, lampcloud = cloud.sh, cloud.cloud_log, cloud.cloud_says, cloud.lampcloud
local function online(lamp, serial)
  lamp:power_on()
  lamp:type("wifi lab password123")
  return lamp:expect("mqtt: connected as " .. serial, 90)
end

do
  local lamp <close> = lamp_for("REF-1")
  ok(online(lamp, "REF-1"), "a registered lamp connects to the reference cloud")
  ok(cloud_says(lamp, "lamp REF%-1 admitted", 10), "the registry plugin admitted it")
  ok(cloud_says(lamp, 'REF%-1: shadow/reported {"on":true,"level":100', 10),
     "the follower shows its reported state")
  ok(cloud_says(lamp, 'REF%-1: telemetry {"uptime_s":[0-9]+,"reset_cause":"power on","connects":1', 10),
     "and its telemetry")

  local done, out = lampcloud("desired REF-1 '{\"on\":true,\"level\":40}'")
  ok(done, "lampcloud desired (" .. out:gsub("\n", " ") .. ")")
  ok(cloud_says(lamp, 'REF%-1: delta {"level":40}', 10), "the cloud sends what differs from reported")
  ok(lamp:expect("light: on level 40", 20), "the lamp applies the delta")
  ok(cloud_says(lamp, 'REF%-1: shadow/reported {"on":true,"level":40', 10), "and reports it")
  done, out = lampcloud("desired REF-1 '{\"on\":true,\"level\":40,\"cct\":3000,\"fade_ms\":0}'")
  ok(done, "lampcloud desired with a colour (" .. out:gsub("\n", " ") .. ")")
  ok(lamp:expect("light: on level 40\\.0% 3000 K", 20), "the lamp takes the colour")
  ok(cloud_says(lamp, 'REF%-1: shadow/reported {"on":true,"level":40,"cct":3000,.*"output":{"on":true,"level":40,"cct":3000,"power_w":7%.', 10),
     "and reports what its light engine does: 40 %, 3000 K, about 7.4 W")
  near(lamp:light().level, 40, 1e-6, "the light engine is at 40 %")
  near(lamp:light().cct, 3000, 1e-6, "and 3000 K")
  -- Beacons: the identity the cloud sets is what a central scans.
  done, out = lampcloud([[desired REF-1 '{"beacon":{"ibeacon":{"uuid":"e2c56db5-dffb-48d2-b060-d0f5a71096e0","major":7,"minor":42},"eddystone":{"namespace":"00112233445566778899","instance":"a1b2c3d4e5f6"},"interval_ms":500,"tx_power":-4}}']])
  ok(done, "lampcloud desired with beacons (" .. out:gsub("\n", " ") .. ")")
  ok(lamp:expect("beacon: iBeacon on, Eddystone-UID on, every 500 ms at -4 dBm", 20),
     "the lamp puts both beacons on the air")
  local ib, ed
  for _, set in ipairs(lamp:ble_adv_sets()) do
    ib = ib or set.ibeacon
    ed = ed or set.eddystone_uid
  end
  ok(ib and ib.uuid == "e2c56db5-dffb-48d2-b060-d0f5a71096e0" and ib.major == 7 and ib.minor == 42,
     "a central sees the iBeacon frame with the cloud's identity (" ..
       (ib and (ib.uuid .. " " .. ib.major .. " " .. ib.minor) or "none") .. ")")
  ok(ed and ed.namespace == "00112233445566778899" and ed.instance == "a1b2c3d4e5f6",
     "and the Eddystone-UID frame (" .. (ed and (ed.namespace .. " " .. ed.instance) or "none") .. ")")
  ok(cloud_says(lamp, 'REF%-1: shadow/reported {.*"beacon":{"ibeacon":{"uuid":"e2c56db5%-dffb%-48d2%-b060%-d0f5a71096e0","major":7,"minor":42}', 10),
     "and reports them")
  -- A partner app's beacon slot (docs/firmware.md#beacons): its value is
  -- the iBeacon minor and the Eddystone instance's last two bytes while it
  -- runs, one app at a time; the cloud's identity comes back after it.
  local function frames()
    local i, e
    for _, set in ipairs(lamp:ble_adv_sets()) do
      i = i or set.ibeacon
      e = e or set.eddystone_uid
    end
    return i or {}, e or {}
  end
  lamp:type("app load tag apis=beacon,log -- log('slot: ' .. tostring(beacon.set(0x1234)))")
  ok(lamp:expect("^app: tag: running$", 10), "an app with the beacon API loads")
  ib, ed = frames()
  ok(ib.minor == 0x1234 and ib.major == 7 and ed.instance == "a1b2c3d41234",
     "its value is on the air as the iBeacon minor and the Eddystone instance's tail (" ..
       tostring(ib.minor) .. " " .. tostring(ed.instance) .. ")")
  lamp:type("app load tag2 apis=beacon,log -- log('other: ' .. tostring(select(2, beacon.set(1))))")
  ok(lamp:expect("^app: tag2: running$", 10), "a second app loads")
  ok(lamp:console():find("app: tag2: other: another app holds the beacon slot", 1, true),
     "but cannot take the slot another app holds")
  lamp:type("app unload tag")
  ok(lamp:expect("^app: tag: stopped: unloaded$", 10), "the app holding the slot unloads")
  ib, ed = frames()
  ok(ib.minor == 42 and ed.instance == "a1b2c3d4e5f6", "unloaded, the cloud's identity is back (" ..
       tostring(ib.minor) .. " " .. tostring(ed.instance) .. ")")
  lamp:type("app unload tag2")
  lamp:type("reboot")
  ok(lamp:expect("beacon: iBeacon on, Eddystone-UID on, every 500 ms at -4 dBm", 30),
     "after a reset the beacons are back on the air at boot (nvstore), before the cloud is reached")
  ok(lamp:expect("mqtt: connected as REF-1", 60), "and the lamp is back online")
  lamp:type("net reconnect")
  ok(cloud_says(lamp, 'REF%-1: telemetry {.*"power_w":7%.[0-9]+,"energy_wh":[0-9.]+,"lux":[0-9.]+,"occupancy":false,"temp_c":[0-9.]+}', 15),
     "telemetry carries the power, energy, light, occupancy and temperature")

  done, out = lampcloud("notify-ota REF-1 " .. os.getenv("IMG_GOOD"))
  ok(done, "lampcloud notify-ota (" .. out:gsub("\n", " ") .. ")")
  ok(lamp:expect("ota: downloading https://localhost:", 20), "the lamp starts the HTTPS download")
  ok(lamp:expect("ota: connection lost at byte 60000 of", 120), "the server cuts it short")
  ok(lamp:expect("ota: resumed at byte 60000 of", 120), "the lamp resumes with Range")
  ok(cloud_says(lamp, "REF%-1 GET /app%-101%.img: 206, bytes 60000%-", 10),
     "the image server answered 206 from byte 60000")
  ok(lamp:expect("ota: image 1\\.0\\.1 epoch 1 staged; rebooting to install", 120),
     "the whole image is verified and staged")
  ok(lamp:expect("boot: verified image 1\\.0\\.1 epoch 1", 60), "the bootloader installs it")
  ok(lamp:expect("update: image 1\\.0\\.1 confirmed", 30), "the new firmware confirms itself")
  ok(lamp:expect("mqtt: connected as REF-1", 90), "back online on 1.0.1")
  ok(lamp:expect("ota: already running 1\\.0\\.1", 30), "the retained offer is recognised as current")

  -- The image server, seen by the cloud's own client certificate.
  local curl = "curl -s --cacert " .. fleet.dir .. "/cloud-ca.crt --cert " .. state ..
               "/cloud-cli.crt --key " .. state .. "/cloud-cli.key "
  local url = "https://localhost:" .. os.getenv("HTTPS_PORT") .. "/app-101.img"
  local f = io.open(os.getenv("IMG_GOOD"), "rb")
  local image = f:read("a")
  f:close()
  local _, part = sh(curl .. "-r 1000-1999 " .. url)
  is(#part, 1000, "Range 1000-1999 gives 1000 bytes")
  ok(part == image:sub(1001, 2000), "the right 1000 bytes")
  local _, code = sh(curl .. "-o /dev/null -w '%{http_code}' -r " .. (#image + 10) .. "- " .. url)
  is(code, "416", "a range past the end is refused (416)")
  _, code = sh(curl .. "-o /dev/null -w '%{http_code}' https://localhost:" ..
               os.getenv("HTTPS_PORT") .. "/no-such.img")
  is(code, "404", "an unknown image is 404")
  local anon = sh("curl -s -o /dev/null --cacert " .. fleet.dir .. "/cloud-ca.crt " .. url)
  ok(not anon, "without a client certificate the server refuses the TLS handshake")
end

do
  local lamp <close> = lamp_for("REF-2")
  ok(online(lamp, "REF-2"), "a second lamp connects")
  local done = lampcloud("notify-ota REF-2 " .. os.getenv("IMG_TAMPERED"))
  ok(done, "a tampered image is offered")
  local line = lamp:expect("ota: refused: .*; the running firmware stays", 240)
  ok(line, "the tampered image is refused after the download (" .. tostring(line) .. ")")
  ok(cloud_says(lamp, 'REF%-2: ota/status {"state":"refused"', 10), "and the cloud is told")
  lamp:type("status")
  ok(lamp:expect("firmware: 1\\.0\\.0", 10), "the lamp still runs 1.0.0")
end

do
  local lamp <close> = lamp_for("REF-3")
  local done, out = sh(os.getenv("LAMPFACTORY") .. " revoke --fleet " .. fleet.dir .. " --serial REF-3")
  ok(done, "lampfactory revoke (" .. out:gsub("\n", " ") .. ")")
  lamp:power_on()
  lamp:type("wifi lab password123")
  ok(lamp:expect("refused by the broker", 90), "a revoked lamp is refused by the broker")
  ok(cloud_says(lamp, "refused lamp REF%-3: revoked in the registry", 10), "the cloud says why")
  ok(not lamp:console():find("mqtt: connected"), "it never gets online")
end

do
  -- A copy of the fleet: the same CAs, its own registry.  A lamp made
  -- there has a certificate the broker's TLS accepts, but the cloud's
  -- registry has never heard of it.
  local other = os.getenv("WORK") .. "/other-fleet"
  ok(sh("cp -r " .. fleet.dir .. " " .. other), "a copy of the fleet with its own registry")
  local lamp <close> = scenario.lamp{ serial = "REF-4", fleet = { dir = other },
                                      ap = "lab:password123", variant = variant,
                                      cloud = "localhost:" .. os.getenv("MQTT_PORT") }
  lamp:power_on()
  lamp:type("wifi lab password123")
  ok(lamp:expect("refused by the broker", 90), "a lamp unknown to the registry is refused")
  ok(cloud_says(lamp, "refused lamp REF%-4: not in the registry", 10), "the cloud says why")
end

do
  -- The telemetry period: how often the cloud hears a lamp, set at the
  -- lamp's console and by the cloud's desired state.
  local lamp <close> = lamp_for("REF-5")
  ok(online(lamp, "REF-5"), "a lamp for the telemetry period connects")
  ok(cloud_says(lamp, 'REF%-5: shadow/reported {.*"telemetry_s":60,', 10),
     "it reports its period: 60 s, a new lamp's")
  local function heard()
    local n = 0
    for _ in cloud_log():gmatch("REF%-5: telemetry {") do n = n + 1 end
    return n
  end
  lamp:type("telemetry 5")
  ok(lamp:expect("^telemetry: every 5 s$", 10), "the console sets 5 s")
  local n0 = heard()
  lamp:run_for(16)
  local n = heard() - n0
  ok(n >= 2 and n <= 4, "in 16 s the cloud hears " .. n .. " telemetry messages (every 5 s: 3, or 4 when the change itself sends one)")
  local done, out = lampcloud("desired REF-5 '{\"telemetry_s\":30}'")
  ok(done, "lampcloud desired telemetry_s (" .. out:gsub("\n", " ") .. ")")
  ok(lamp:expect("^telemetry: every 30 s$", 20), "the lamp takes the cloud's period")
  ok(cloud_says(lamp, 'REF%-5: shadow/reported {.*"telemetry_s":30,', 10), "and reports it")
  n0 = heard()
  lamp:run_for(12)
  n = heard() - n0
  ok(n <= 1, "in 12 s the cloud hears " .. n .. " telemetry messages (every 30 s: 0 or 1)")
  done, out = lampcloud("desired REF-5 '{\"telemetry_s\":2}'")
  ok(done, "lampcloud desired telemetry_s 2 (" .. out:gsub("\n", " ") .. ")")
  ok(lamp:expect("^shadow: desired telemetry_s refused: 2 s: the period is 5 to 3600 s", 20),
     "a period out of bounds is refused, and the lamp says why")
  lamp:type("telemetry")
  ok(lamp:expect("^telemetry: every 30 s \\(", 10), "the period stays 30 s")
end

do
  -- A fault of the partner-app VM: contained (no reset), stored in the
  -- crash log and sent on lamp/SERIAL/fault like a crash record, marked
  -- as the VM's (docs/cloud.md#topics), at least once.
  local vm_fault = '"reason":"app%-vm","vm":true,"app":"eval"}'
  local lamp <close> = lamp_for("REF-6")
  ok(online(lamp, "REF-6"), "a lamp for the app VM's faults connects")
  local resets = lamp:twin().resets
  lamp:type("app probe log(probe.read(0x10000))")
  ok(lamp:expect("^app: stopped: MemManage fault in the VM", 30), "a load of the keystore faults in the VM")
  ok(lamp:expect("crash record acknowledged by the broker", 30), "the record is acknowledged (QoS 1)")
  ok(cloud_says(lamp, 'REF%-6: fault {"type":"MemManage","pc":"0x%x+","lr":"0x%x+","cfsr":"0x00000082",' ..
                '"hfsr":"0x%x+","addr":"0x00010000",' .. vm_fault, 10),
     "the cloud hears it as a fault marked as the app VM's")
  is(lamp:twin().resets, resets, "and the lamp did not reset")

  -- The connection is down when the fault happens (the lamp has no WiFi
  -- yet), and the lamp resets before it is up: the record waits in
  -- nvstore and is sent once the lamp is online.
  local lamp7 <close> = lamp_for("REF-7")
  lamp7:power_on()
  ok(lamp7:expect("^light: (on|off) level", 30), "a lamp without WiFi is up")
  lamp7:type("app probe log(probe.read(0x20020000))")
  ok(lamp7:expect("^crash: the app VM's MemManage fault is stored for the cloud", 30),
     "its VM faults while it is offline, and the record is stored")
  lamp7:type("reboot")
  ok(lamp7:expect("^light: (on|off) level", 30), "the lamp resets before it is online")
  ok(not cloud_log():find("REF%-7: fault"), "the cloud has not heard of the fault yet")
  lamp7:type("wifi lab password123")
  ok(lamp7:expect("mqtt: connected as REF-7", 90), "it connects after the reset")
  ok(cloud_says(lamp7, 'REF%-7: fault {"type":"MemManage",.*"addr":"0x20020000",' .. vm_fault, 20),
     "and the cloud hears the fault from before the reset")
end

do
  -- A partner app's messages (docs/cloud.md#app-messages): what it
  -- publishes reaches the cloud on lamp/SERIAL/app/NAME/SUB, and a
  -- message on a subtopic it subscribed to reaches its handler (here its
  -- own publishes, back from the broker).  It subscribed while the lamp
  -- was offline: the lamp subscribes it at the connect.
  local lamp <close> = lamp_for("REF-8")
  lamp:power_on()
  ok(lamp:expect("^light: (on|off) level", 30), "a lamp for app messages is up, offline")
  lamp:type("app load chat apis=messages,timers,log msgs=30 -- " ..
            "msg.subscribe('echo', function(s, p) log('heard ' .. s .. ' ' .. p) end) local n = 0 " ..
            "timer.every(1000, function() n = n + 1 msg.publish('echo', 'n' .. n) end)")
  -- (an offline lamp in realtime mode sleeps until its next wake-up, up
  -- to 10 s, before it takes typed input: measured, not the app's doing)
  local line, why = lamp:expect("^app: chat: running$", 15)
  ok(line, "an app with the messages API loads")
  if not line then diag(why) end
  lamp:type("wifi lab password123")
  ok(lamp:expect("mqtt: connected as REF-8", 90), "the lamp connects")
  ok(cloud_says(lamp, "REF%-8: app/chat/echo n%d", 15),
     "the cloud hears the app on lamp/REF-8/app/chat/echo")
  line, why = lamp:expect("^app: chat: heard echo n\\d+$", 15)
  ok(line, "its handler gets the messages on its subtopic, subscribed at the connect")
  if not line then diag(why) end
  lamp:type("app load other apis=messages msgs=2 -- msg.publish('state/now', 'on')")
  ok(cloud_says(lamp, "REF%-8: app/other/state/now on", 10),
     "another app publishes under its own name, on a subtopic with a level")
end
