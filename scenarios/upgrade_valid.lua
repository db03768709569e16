-- A correctly signed, encrypted image of a higher epoch is accepted over the
-- console, installed by the bootloader, runs, confirms its boot, and only
-- then the OTP security epoch advances.
local lamp = scenario.lamp{ profile = "production" }
lamp:power_on()
ok(lamp:expect("^boot: verified image 1\\.0\\.0 epoch 1"), "factory image verified at boot")
ok(lamp:expect("OTP epoch advanced to 1"), "first boot confirms and sets epoch 1")
is(lamp:otp_epoch(), 1, "OTP epoch is 1 after the first confirmed boot")

local img = scenario.sign{ version = "1.1.0", epoch = 2 }
local state, why = lamp:update(img)
is(state, "staged", "lamp accepts the signed image (" .. tostring(why) .. ")")
ok(lamp:expect("^boot: lamp bootloader, OTP epoch 1,"), "bootloader starts with the fuses still at epoch 1")
ok(lamp:expect("^boot: staged update 1\\.1\\.0 epoch 2 in slot B"), "bootloader finds it in slot B")
ok(lamp:expect("^boot: installing the update into slot A"), "bootloader installs it")
ok(lamp:expect("^boot: verified image 1\\.1\\.0 epoch 2 \\(trial boot"), "new image verified, trial boot")
ok(lamp:expect("^update: image 1\\.1\\.0 confirmed"), "new image confirms its boot")
ok(lamp:expect("^update: OTP epoch advanced to 2"), "then the epoch advances")
is(lamp:otp_epoch(), 2, "OTP fuses say epoch 2")
lamp:type("status")
ok(lamp:expect("^firmware: 1\\.1\\.0 image epoch 2, OTP epoch 2"), "status shows the new firmware")

-- Slot B was retired: the next boot installs nothing.
lamp:type("reboot")
ok(lamp:expect("^boot: verified image 1\\.1\\.0 epoch 2 \\(confirmed\\)"), "next boot: confirmed image")
local b = lamp:read(0x100000, 4)
is(b, "\255\255\255\255", "slot B header erased after the install")
