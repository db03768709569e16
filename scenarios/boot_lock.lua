-- External boot: a boot-locked production lamp refuses to start firmware
-- from a file (boot pins, DFU); a development lamp accepts it.  The only
-- way into a production lamp is a signed image through its own update path.
local prod = scenario.lamp{ profile = "production" }
is(prod:twin().boot_lock, true, "production lamp has BOOT_LOCK blown")
is(prod:twin().debug_lock, true, "and DEBUG_LOCK")
local done, why = prod:external_boot(scenario.firmware.app_bin)
is(done, nil, "production lamp refuses external boot")
like(why, "BOOT_LOCK", "the refusal names the boot lock fuse")
prod:power_on()
ok(prod:expect("^boot: lamp bootloader, OTP epoch 0, boot lock on"), "its own bootloader runs instead")
ok(prod:expect("^boot: verified image 1\\.0\\.0"), "and boots the signed image")
is(prod:update(scenario.sign{ version = "1.0.1", epoch = 1 }), "staged", "signed image accepted")
ok(prod:expect("^boot: verified image 1\\.0\\.1"), "and installed")

local dev = scenario.lamp{ profile = "development" }
is(dev:twin().boot_lock, false, "development lamp has BOOT_LOCK intact")
ok(dev:external_boot(scenario.firmware.app_bin), "development lamp takes external boot")
dev:power_on()
ok(dev:expect("^lamp firmware "), "external image starts without the bootloader")
