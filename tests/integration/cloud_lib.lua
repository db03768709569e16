-- tests/integration/cloud_lib.lua: what the scenarios run against the
-- reference cloud share (cloud_ref.lua, lamp_apps.lua), loaded with
-- dofile; from the environment: CLOUD_LOG, lampcloud serve's output,
-- LAMPCLOUD, its program, and CLOUD_STATE, its state directory.
local M = {}

-- Runs a shell command: whether it succeeded, and its output (both streams).
function M.sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  return ok, out
end

-- `lampcloud ARGS --state-dir CLOUD_STATE`: whether it succeeded, its output.
function M.lampcloud(args)
  return M.sh(os.getenv("LAMPCLOUD") .. " " .. args .. " --state-dir " .. os.getenv("CLOUD_STATE"))
end

function M.cloud_log()
  local f = io.open(os.getenv("CLOUD_LOG"), "rb")
  local text = f:read("a")
  f:close()
  return text
end

-- The cloud's output is checked while the lamp keeps running.
function M.cloud_says(lamp, pattern, seconds)
  for _ = 1, seconds * 10 do
    if M.cloud_log():find(pattern) then return true end
    lamp:run_for(0.1)
  end
  diag("lampcloud never said /" .. pattern .. "/; its log ends:")
  -- what it said instead, for a failure seen once in CI (issue 14's note)
  local lines = {}
  for line in M.cloud_log():gmatch("[^\n]+") do lines[#lines + 1] = line end
  for i = math.max(1, #lines - 7), #lines do diag("  " .. lines[i]) end
  return false
end

return M
