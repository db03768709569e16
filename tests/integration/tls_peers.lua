-- tests/integration/tls_peers.lua: run by tls_peers.sh MODE (the reference
-- cloud behind tls_peer.py, PEER_TEST_MODE the peer's mode).  Whatever
-- the peer does, the lamp's documented timeouts fire (docs/cloud.md#connection-life),
-- it backs off with growing, jittered waits, it keeps answering its
-- console, and it connects once the peer passes to the broker again.
local peer = dofile(scenario.file:match("^(.*)/") .. "/tls_peer_lib.lua")
local mode = assert(os.getenv("PEER_TEST_MODE"))
local serial = "P-" .. mode:upper() -- at most 15 characters

-- The wait a "retry in N ms" line announces is within [ceiling/2, ceiling]
-- (netmgr.c retry_later): the ceiling doubles from 1 s after each failure.
local function backs_off(lamp, pattern, ceiling, what)
  local line, wait = lamp:expect(pattern .. "; retry in ([0-9]+) ms", 45)
  wait = tonumber(wait)
  ok(wait and wait >= ceiling // 2 and wait <= ceiling,
     string.format("%s, then waits %s ms (between %d and %d)", what, tostring(wait or line),
                   ceiling // 2, ceiling))
  return wait
end

local lamp <close> = peer.lamp(serial)
local counted, again = nil, "^tls: full handshake"
if mode == "slowconnect" then
  -- A connect that takes 11 s (the NET model's latency, held before the
  -- module reports CONNECTED): on loopback the kernel completes every TCP
  -- handshake at once, so the peer cannot be that slow itself.
  peer.mode("pass")
  lamp:net_fault("latency", 11000)
else
  peer.mode(mode)
end
lamp:power_on()
lamp:type("wifi lab password123")
ok(lamp:expect("^cloud: connecting to", 30), "the lamp dials the peer (" .. mode .. ")")

if mode == "slowconnect" then
  backs_off(lamp, "cloud: connect timed out", 1000, "the 10 s connect timeout fires")
  lamp:net_fault("latency", 0)
  counted = '"connect_timeout":1'
elseif mode == "mute" then
  ok(lamp:expect("^tls: full handshake", 30), "the handshake completes")
  lamp:type("net")
  ok(lamp:expect("^cloud: MQTT connect$", 10), "meanwhile the lamp answers `net`: waiting for the CONNACK")
  ok(peer.peer_says(lamp, "conn 1 (muted): dropped server record", 10), "the peer drops the CONNACK")
  backs_off(lamp, "cloud: no CONNACK from the broker", 1000, "the 15 s CONNACK timeout fires")
  peer.mode("pass")
  counted = '"connack_timeout":1'
  -- an MQTT timeout says nothing against the TLS session
  again = "^tls: session resumed"
elseif mode == "hangup" then
  local waits = {}
  for i, ceiling in ipairs({ 1000, 2000, 4000 }) do
    ok(lamp:expect("^tls: handshake failed: the server closed or reset the connection", 20),
       "try " .. i .. ": the handshake fails on the peer's close, named")
    waits[i] = backs_off(lamp, "cloud: TLS handshake failed", ceiling, "try " .. i)
  end
  peer.mode("pass") -- before the retry (in 2-4 s)
  ok(peer.peer_says(lamp, "conn 3 (hung up) after the server's first record", 5),
     "the peer closed each connection in the middle of the handshake")
  ok(not (waits[1] == 500 and waits[2] == 1000 and waits[3] == 2000),
     "the waits are jittered (" .. table.concat(waits, ", ") .. " ms), not the bare half ceilings")
  counted = '"closed_in_handshake":3'
else
  -- silent: accepts and never answers; trickle: answers a byte a second.
  -- Either way the handshake's 30 s are up before the server's flight
  -- arrives, and in the meantime the lamp is not stuck.
  lamp:run_for(2)
  lamp:type("net")
  ok(lamp:expect("^cloud: TLS handshake$", 10), "meanwhile the lamp answers `net`: waiting in the TLS handshake")
  if mode == "trickle" then
    ok(peer.peer_says(lamp, "conn 1 (trickling) %d+ bytes", 5), "the peer trickles the server's answer")
  end
  backs_off(lamp, "cloud: TLS handshake timed out", 1000, "the 30 s handshake timeout fires")
  if mode == "trickle" then
    local got = lamp:twin().net_bytes_in
    ok(got > 0 and got < 100, "bytes did arrive (" .. got .. "), too slowly")
  end
  peer.mode("pass") -- before the retry (in 0.5-1 s)
  ok(peer.peer_says(lamp, "conn 1 (closed)", 10), "and the lamp closed that connection")
  counted = '"handshake_timeout":1'
end

-- Never wedged: once the peer passes to the broker again, the lamp is back.
ok(lamp:expect(again, 30), "the peer passes again: " .. again:sub(7))
ok(lamp:expect("mqtt: connected as " .. serial, 20), "and the lamp is online")
ok(peer.cloud_says(lamp, serial:gsub("%-", "%%-") .. ': telemetry {.*"failures":{' .. counted .. '}', 15),
   "the cloud sees why in the telemetry (" .. counted .. ")")
local reason, times = counted:match('"(.-)":(%d+)')
is(lamp:twin().failures[reason], tonumber(times), "lampsim's twin counts it too (SYSCTL LINKFAIL " .. reason .. ")")
