-- tests/integration/tls_faults.lua: run by tls_faults.sh (the reference
-- cloud behind tls_peer.py).  A fatal error ends a session for good (RFC
-- 5246 7.2.2), and every refusal names its reason, on the console and in
-- the telemetry the cloud receives.
local peer = dofile(scenario.file:match("^(.*)/") .. "/tls_peer_lib.lua")

local lamp <close> = peer.lamp("TLSFAULT-1")
peer.mode("tamper-once")
lamp:power_on()
lamp:type("wifi lab password123")
ok(lamp:expect("^tls: full handshake", 60), "the first connection: a full handshake")
ok(peer.peer_says(lamp, "conn 1 (tampered) server record type 23", 10),
   "the peer flipped a byte of the broker's first record after the handshake")
local line = lamp:expect("^tls: connection failed: .*bad_record_mac sent.*session forgotten", 20)
ok(line, "the lamp names the reason: " .. tostring(line))
ok(peer.peer_says(lamp, "conn 1 client record type (21) length", 5),
   "the lamp sent an alert record (type 21) on the broken connection")
ok(lamp:expect("retry in [0-9]+ ms", 5), "and backs off")
ok(lamp:expect("^tls: full handshake", 30), "the next connection is a full handshake, not a resumption")
local sid, ticket = nil, nil
if peer.peer_says(lamp, "conn 2 client_hello session_id %d+ ticket %d+", 5) then
  sid, ticket = peer.log():match("conn 2 client_hello session_id (%d+) ticket (%d+)")
end
is(sid, "0", "its ClientHello offers no session id")
is(ticket, "0", "nor a session ticket")
ok(lamp:expect("mqtt: connected as TLSFAULT-1", 20), "MQTT connected again")
ok(peer.cloud_says(lamp, 'TLSFAULT%-1: telemetry {.*"failures":{"bad_record_mac":1}', 15),
   "the cloud sees the bad_record_mac count in the lamp's telemetry")
lamp:type("net")
local counted, why = lamp:expect("failures bad_record_mac 1", 5)
ok(counted, "`net` counts it too" .. (counted and "" or (": " .. tostring(why))))

-- The control: an unharmed session is resumed, and the peer sees it in
-- the ClientHello (so the zeros above are the lamp's doing).
lamp:type("net reconnect")
ok(lamp:expect("^tls: session resumed", 30), "a reconnect resumes the new session")
local t3 = peer.peer_says(lamp, "conn 3 client_hello session_id %d+ ticket (%d+)", 5)
ok(t3 and tonumber(t3) > 0, "its ClientHello carries the ticket (" .. tostring(t3) .. " bytes)")
ok(lamp:expect("mqtt: connected as TLSFAULT-1", 20), "MQTT connected")

-- A fatal alert received: named, and the session it ended not resumed.
peer.mode("alert:40")
lamp:type("net reconnect")
line = lamp:expect("^tls: handshake failed: the server sent a fatal alert: handshake_failure \\(40\\)", 30)
ok(line, "a received alert is named: " .. tostring(line))
peer.mode("pass")
ok(lamp:expect("^tls: full handshake", 30), "after an alert the next handshake is a full one")
local t5 = peer.peer_says(lamp, "conn 5 client_hello session_id %d+ ticket (%d+)", 5)
is(t5, "0", "no ticket offered after the alert")
ok(lamp:expect("mqtt: connected as TLSFAULT-1", 20), "MQTT connected")
ok(peer.cloud_says(lamp, 'TLSFAULT%-1: telemetry {.*"failures":{"bad_record_mac":1,"alert_handshake_failure":1}', 15),
   "the cloud sees the alert's count by its name")
-- A malformed record header after the handshake: decode_error sent (mbedTLS
-- 2.28 sends none for it here), the session forgotten as well.
peer.mode("badheader-once")
lamp:type("net reconnect")
ok(lamp:expect("^tls: session resumed", 30), "a reconnect resumes the session of the last connection")
ok(peer.peer_says(lamp, "conn 6 (malformed) the header of server record type 23", 10),
   "the peer gives the broker's first record a bad version")
line = lamp:expect("^tls: connection failed: read failed: .*\\(decode_error sent\\); session forgotten", 20)
ok(line, "the lamp names it: " .. tostring(line))
ok(peer.peer_says(lamp, "conn 6 client record type (21) length", 5), "and sent the alert record")
ok(lamp:expect("^tls: full handshake", 30), "the next connection is a full handshake")
is(peer.peer_says(lamp, "conn 7 client_hello session_id %d+ ticket (%d+)", 5), "0", "offering no ticket")
ok(lamp:expect("mqtt: connected as TLSFAULT-1", 20), "MQTT connected")
ok(peer.cloud_says(lamp, 'TLSFAULT%-1: telemetry {.*"failures":{"bad_record_mac":1,"record_error":1,"alert_handshake_failure":1}', 15),
   "the cloud sees it as record_error")

local failures = lamp:twin().failures
is(failures.bad_record_mac, 1, "lampsim's twin counts the bad record MAC (SYSCTL LINKFAIL)")
is(failures.alert_received, 1, "and the alert received")
is(failures.record_error, 1, "and the malformed record")
is(failures.handshake_refused + failures.cert_not_trusted + failures.closed_in_handshake, 0,
   "and nothing else")
