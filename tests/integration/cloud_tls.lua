-- tests/integration/cloud_tls.lua: run by cloud_tls.sh, which starts the
-- peers and passes their ports in the environment.
-- LAMP_VARIANT: crypto (the CRYPTO engine does the public-key work) or
-- basic (all of it in emulated Thumb code); the suite runs both ways.
local fleet = { dir = os.getenv("FLEET") }
local variant = os.getenv("LAMP_VARIANT") or "crypto"
local function lamp_for(port, serial)
  return scenario.lamp{ serial = serial, fleet = fleet, ap = "lab:password123",
                        cloud = "localhost:" .. port, variant = variant }
end
local function seen(pattern)
  local f = io.open(os.getenv("SEEN"))
  if not f then return false end
  local text = f:read("a")
  f:close()
  return text:find(pattern) ~= nil
end

do
  local lamp <close> = lamp_for(os.getenv("MQTT_PORT"), "CLOUD-1")
  is(lamp:twin().variant, variant, "the lamp is the " .. variant .. " variant")
  lamp:power_on()
  ok(lamp:expect(variant == "crypto" and "^crypto: engine" or "^crypto: no engine", 20),
     "the firmware sees whether it has the engine")
  lamp:type("wifi lab wrongpassword")
  ok(lamp:expect("net: join failed: authentication failed", 10), "a wrong passphrase fails the join")
  lamp:type("wifi lab password123")
  ok(lamp:expect("net: joined lab", 10), "the right passphrase joins")
  ok(lamp:expect("^tls: full handshake", 30), "first connection: full TLS handshake")
  ok(lamp:expect("mqtt: connected as CLOUD-1", 15), "MQTT connected with the certificate's identity")
  lamp:run_for(1)
  ok(seen('lamp/CLOUD%-1/shadow/reported {"on":true,"level":100,.*"fw":"1%.0%.0","epoch":1'),
     "a subscriber sees the retained reported state")

  lamp:net_fault("drop")
  ok(lamp:expect("retry in [0-9]+ ms", 10), "the dropped connection is noticed, with backoff")
  ok(lamp:expect("^tls: session resumed", 30), "the reconnect is an abbreviated (resumed) handshake")
  ok(lamp:expect("mqtt: connected as CLOUD-1", 15), "MQTT connected again")
  lamp:type("net")
  local _, full, resumed = lamp:expect("tls full ([0-9]+) resumed ([0-9]+)", 5)
  is(full, "1", "one full handshake counted")
  is(resumed, "1", "one resumed handshake counted")

  if variant == "crypto" then
    local _, ops = lamp:expect("crypto engine ([0-9]+) ops, 0 refused", 5)
    -- a full handshake: key pair, ECDH, signature, two verifies at least
    ok(ops and tonumber(ops) >= 5, "the handshakes ran on the engine (" .. tostring(ops) .. " ops)")
    ok(lamp:twin().crypto_ops >= tonumber(ops or 0), "the emulator counted them too")
  else
    ok(lamp:expect("crypto engine absent", 5), "no engine: every operation in software")
    is(lamp:twin().crypto_ops, 0, "the emulator saw no engine command")
  end

  -- A connection that dies under the handshake (a broker that could not
  -- accept in time, in a reconnect storm) says nothing against the
  -- session: the next try still resumes it.
  lamp:net_fault("latency", 1000)
  lamp:net_fault("drop")
  ok(lamp:expect("^cloud: connecting", 20), "reconnecting over a slow network (1 s each way)")
  lamp:run_for(1.5)
  lamp:net_fault("drop")
  ok(lamp:expect("tls: handshake failed: the server closed or reset the connection", 20),
     "the connection dies under the handshake")
  lamp:net_fault("latency", 0)
  ok(lamp:expect("^tls: session resumed", 30), "the next try resumes the same session")
  ok(lamp:expect("mqtt: connected as CLOUD-1", 15), "MQTT connected again")

  lamp:type("selftest write-flash")
  ok(lamp:expect("crash: type=", 20), "the selftest faults and the lamp resets")
  ok(lamp:expect("mqtt: connected as CLOUD-1", 40), "back online after the reset")
  ok(lamp:expect("crash record acknowledged by the broker", 20), "the crash record is acknowledged (QoS 1)")
  lamp:run_for(1)
  ok(seen('lamp/CLOUD%-1/fault {"type":"MemManage"'), "the subscriber sees the crash record")
  lamp:type("reboot")
  ok(lamp:expect("mqtt: connected as CLOUD-1", 40), "online after a clean reboot")
  lamp:run_for(2)
  ok(not lamp:console():find("crash record acknowledged by the broker.*crash record acknowledged by the broker"),
     "an acknowledged record is not sent again")
end

local refusals = {
  { "P_FOREIGN", "CLOUD-2", "tls: handshake failed: The certificate is not correctly signed by the trusted CA",
    "a server certificate from another CA" },
  { "P_NAME", "CLOUD-3", "tls: handshake failed: .*Common Name %(CN%) does not match" ,
    "a server certificate for another host name" },
  { "P_EXPIRED", "CLOUD-4", "tls: handshake failed: .*The certificate validity has expired",
    "an expired server certificate" },
  -- (OpenSSL 3 finds no TLS 1.1 suite among the lamp's, all TLS 1.2 only)
  { "P_TLS11", "CLOUD-5", "tls: handshake failed: the server sent a fatal alert: handshake_failure %(40%)",
    "a server offering only TLS 1.1" },
  { "P_RSA", "CLOUD-6", "tls: handshake failed: the server sent a fatal alert: handshake_failure %(40%)",
    "a server offering only an RSA suite" },
  { "P_CBC", "CLOUD-7", "tls: handshake failed: the server sent a fatal alert: handshake_failure %(40%)",
    "a server offering only CBC suites" },
  { "P_VIA_NOTCA", "CLOUD-9", "tls: handshake failed: an intermediate certificate of the chain is not a CA",
    "a chain whose intermediate has basicConstraints CA:FALSE" },
}
for _, r in ipairs(refusals) do
  local lamp <close> = lamp_for(os.getenv(r[1]), r[2])
  lamp:power_on()
  lamp:type("wifi lab password123")
  local line, why = lamp:expect(r[3]:gsub("%%", "\\"), 40)
  ok(line, "refused: " .. r[4] .. (line and (" (" .. line .. ")") or (": " .. tostring(why))))
  ok(lamp:expect("retry in [0-9]+ ms", 10), "then backs off: " .. r[4])
  ok(not lamp:console():find("mqtt: connected"), "never reaches MQTT: " .. r[4])
end

do
  local lamp <close> = lamp_for(os.getenv("MQTT_UNTRUSTING_PORT"), "CLOUD-8")
  lamp:power_on()
  lamp:type("wifi lab password123")
  local line, why = lamp:expect("tls: handshake failed|cloud: server closed|retry in", 40)
  ok(line and not lamp:console():find("mqtt: connected"),
     "a broker that does not trust the lamp's CA refuses it (" .. tostring(line or why) .. ")")
end

do
  -- The control for CLOUD-9: the same chain with an intermediate that is a CA.
  local lamp <close> = lamp_for(os.getenv("P_VIA_CA"), "CLOUD-10")
  lamp:power_on()
  lamp:type("wifi lab password123")
  ok(lamp:expect("^tls: full handshake", 40), "a chain through an intermediate CA is accepted")
end
