-- Every kind of bad update image is refused with the reason on the
-- console, nothing is staged, and the old firmware keeps running.
local lamp = scenario.lamp{ profile = "production" }
lamp:power_on()
ok(lamp:expect("OTP epoch advanced to 1"), "lamp up on 1.0.0 epoch 1")

local good = scenario.read_file(scenario.sign{ version = "2.0.0", epoch = 2 })
local payload_size = scenario.u32(good, 16)
local foreign = scenario.new_fleet("foreign")
local own = scenario.fleet()

local cases = {
  { "unsigned (signature zeroed)",
    scenario.write_file("unsigned.img", good:sub(1, #good - 512) .. string.rep("\0", 512)),
    "signature invalid" },
  { "signed with a foreign key",
    scenario.sign{ version = "2.0.0", epoch = 2, key = foreign.dir .. "/firmware-signing.key",
                   enc_key = own.dir .. "/firmware-encryption.key" },
    "signature invalid" },
  { "header tampered (version field)",
    scenario.write_file("header.img", scenario.flip_byte(good, 9)), "signature invalid" },
  { "payload tampered",
    scenario.write_file("payload.img", scenario.flip_byte(good, 256 + payload_size // 2)),
    "signature invalid" },
  { "truncated",
    scenario.write_file("truncated.img", good:sub(1, #good - 100)), "truncated" },
  { "encrypted for another fleet",
    scenario.sign{ version = "2.0.0", epoch = 2, key = own.dir .. "/firmware-signing.key",
                   enc_key = foreign.dir .. "/firmware-encryption.key" },
    "does not unwrap" },
  { "header with unknown fields",
    scenario.write_file("reserved.img", scenario.flip_byte(good, 200)), "fields" },
  { "not an update image at all",
    scenario.firmware.app_bin, "bad magic" },
}

for _, c in ipairs(cases) do
  local name, path, reason = c[1], c[2], c[3]
  local state, why = lamp:update(path)
  is(state, "refused", name .. ": refused")
  like(why, reason, name .. ": the lamp says why")
  lamp:type("status")
  ok(lamp:expect("^firmware: 1\\.0\\.0 image epoch 1"), name .. ": old firmware still running")
end
is(lamp:read(0x100000, 4), "\255\255\255\255", "nothing left staged in slot B")
is(lamp:otp_epoch(), 1, "epoch unchanged")
lamp:type("reboot")
ok(lamp:expect("^boot: verified image 1\\.0\\.0 epoch 1 \\(confirmed\\)"), "reboot: old image, nothing installed")
