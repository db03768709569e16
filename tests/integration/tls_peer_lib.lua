-- tests/integration/tls_peer_lib.lua: what the scenarios behind
-- tls_peer.py share (tls_faults.lua, tls_peers.lua), loaded with dofile.
-- From the environment (tls_peer_session.sh): PEER_PORT, PEER_MODE_FILE,
-- PEER_LOG, FLEET, CLOUD_LOG.
local M = {}
local cloud = dofile(scenario.file:match("^(.*)/") .. "/cloud_lib.lua")
M.cloud_says = cloud.cloud_says

-- A lamp provisioned for the peer's port (the peer forwards to the broker).
function M.lamp(serial)
  return scenario.lamp{ serial = serial, fleet = { dir = os.getenv("FLEET") },
                        ap = "lab:password123", cloud = "localhost:" .. os.getenv("PEER_PORT"),
                        variant = os.getenv("LAMP_VARIANT") or "crypto" }
end

-- The mode of the peer's next connections (tls_peer.py's list).
function M.mode(m)
  local f = assert(io.open(os.getenv("PEER_MODE_FILE"), "w"))
  f:write(m, "\n")
  f:close()
end

function M.log()
  return scenario.read_file(os.getenv("PEER_LOG"))
end

-- The first capture of pattern in the peer's log, the lamp running meanwhile.
function M.peer_says(lamp, pattern, seconds)
  for _ = 1, seconds * 10 do
    local got = M.log():match(pattern)
    if got then return got end
    lamp:run_for(0.1)
  end
  diag("the peer never logged /" .. pattern .. "/")
  return nil
end

-- The number of the last connection the peer accepted (0: none yet).
function M.last_conn()
  local last = 0
  for n in M.log():gmatch("conn (%d+) mode ") do last = math.max(last, tonumber(n)) end
  return last
end

return M
