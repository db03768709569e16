-- Power is cut at every flash operation of an upgrade, one run per cut
-- point (exhaustive, as MCUboot's simulator does):
--   phase A: the application staging the image in slot B (from the prompt
--            until "update: staged");
--   phase B: the bootloader's install into slot A, the confirm word and the
--            epoch fuses (from the next power-on until epoch 2 is fused).
-- Odd cut points interrupt the operation half way (torn), even ones cut
-- right after it.  Every run must end booting a verified image, old or new
-- (a new one with its epoch fused), and the CPU must never enter slot A
-- while slot A holds anything but one of those two images.
-- LAMPSIM_CUT_SHARD=i/k (environment) runs every k-th selected cut point
-- only, so meson can spread the sweep over the cores.
-- LAMPSIM_CUT_STRIDE=s (default 1: exhaustive) selects the first and last
-- 16 operations of each phase (the erases, the header page, the confirm
-- word, the fuses) and, of the bulk page programs between, the pairs
-- n % s == 0 and 1 (a clean and a torn cut).  The test suite uses a stride
-- to stay within CI time since the application grew to ~140 KB.
local SLOT_A = 0x20000

local shard, shards = 1, 1
local spec = os.getenv("LAMPSIM_CUT_SHARD")
if spec then
  shard, shards = spec:match("^(%d+)/(%d+)$")
  shard, shards = tonumber(shard), tonumber(shards)
  assert(shard and shards and shard >= 1 and shard <= shards, "LAMPSIM_CUT_SHARD must be i/k")
end

local stride = tonumber(os.getenv("LAMPSIM_CUT_STRIDE") or "1")
assert(stride and stride >= 1, "LAMPSIM_CUT_STRIDE must be a positive integer")
local picked = 0
-- Whether this shard runs cut point n of a phase of total operations.
local function mine(n, total)
  if stride > 1 and n > 16 and n <= total - 16 and n % stride >= 2 then
    return false
  end
  picked = picked + 1
  return picked % shards == shard - 1
end

local function slot_a_image(lamp)
  local size = 256 + scenario.u32(lamp:read(SLOT_A, 256), 16) + 512
  return lamp:read(SLOT_A, size)
end

-- The lamp before the upgrade: 1.0.0 confirmed, epoch 1.
local base_lamp = scenario.lamp{ serial = "CUT-BASE", profile = "production" }
base_lamp:power_on()
assert(base_lamp:expect("OTP epoch advanced to 1"), "base lamp did not come up")
local base = base_lamp:snapshot("base")
local a_old = slot_a_image(base_lamp)
base_lamp:close()

-- Reference run: the same upgrade without cuts, snapshot when staged.
local img = scenario.sign{ version = "1.1.0", epoch = 2 }
local ref = scenario.lamp{ serial = "CUT-REF", from = base }
ref:power_on()
assert(ref:expect("^reset cause"), "reference lamp did not boot")
is(ref:update(img), "staged", "reference upgrade staged")
local staging_ops = ref:flash_ops()
local staged = ref:snapshot("staged")
ref:close()
ref = scenario.lamp{ serial = "CUT-REF2", from = staged }
ref:power_on()
ok(ref:expect("OTP epoch advanced to 2"), "reference upgrade installed and confirmed")
local install_ops = ref:flash_ops()
local a_new = slot_a_image(ref)
ref:close()

-- The watch itself must be able to fail: allowing only the old image, a
-- clean upgrade is reported as entering unverified code.
local probe = scenario.lamp{ serial = "CUT-PROBE", from = staged }
probe:watch_slot_a{ a_old }
probe:power_on()
probe:expect("^lamp firmware ")
ok(probe:twin().unverified_entries > 0, "the slot A watch flags an image it was not given")
probe:close()
ok(staging_ops > 50 and install_ops > 50,
   string.format("staging takes %d flash operations, installing and confirming %d",
                 staging_ops, install_ops))

local results = { runs = 0, old = 0, new = 0, failures = {} }

local function check_run(label, lamp)
  local version
  for attempt = 1, 3 do
    if lamp:state() == "off" then lamp:power_on() end
    local line, v = lamp:expect("^lamp firmware (\\S+) ", 60)
    if line then
      version = v
      lamp:run_for(2) -- let a new image confirm and fuse its epoch
      if lamp:state() ~= "off" then break end
    end
  end
  local t = lamp:twin()
  results.runs = results.runs + 1
  local good = (version == "1.0.0") or (version == "1.1.0" and t.otp_epoch == 2)
  if version == "1.0.0" then results.old = results.old + 1 end
  if version == "1.1.0" then results.new = results.new + 1 end
  if not good or t.unverified_entries > 0 or t.slot_a_entries == 0 then
    results.failures[#results.failures + 1] = string.format(
      "%s: firmware %s, OTP epoch %d, slot A entered %d times, %d with unverified contents",
      label, tostring(version), t.otp_epoch, t.slot_a_entries, t.unverified_entries)
    diag(lamp:console():sub(-1200))
  end
  lamp:close()
end

for n = 1, staging_ops do
  if mine(n, staging_ops) then
    local lamp = scenario.lamp{ serial = "CUT-A" .. n, from = base }
    lamp:watch_slot_a{ a_old, a_new }
    lamp:power_on()
    lamp:cut_power_at(n, n % 2 == 1)
    lamp:update(img)
    check_run("staging cut " .. n, lamp)
  end
end
for n = 1, install_ops do
  if mine(n, install_ops) then
    local lamp = scenario.lamp{ serial = "CUT-B" .. n, from = staged }
    lamp:watch_slot_a{ a_old, a_new }
    lamp:power_on()
    lamp:cut_power_at(n, n % 2 == 1)
    check_run("install cut " .. n, lamp)
  end
end

is(#results.failures, 0, string.format(
  "shard %d/%d, stride %d: %d of %d flash operations cut, every run booted a verified image " ..
  "(%d old, %d new) and never entered unverified code", shard, shards, stride, results.runs,
  staging_ops + install_ops, results.old, results.new))
for _, f in ipairs(results.failures) do diag(f) end
ok(results.old > 0 and results.new > 0, "cuts early keep the old image, cuts late give the new one")
