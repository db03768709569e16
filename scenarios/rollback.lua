-- Rollback: once the lamp runs epoch 3, a correctly signed image of a
-- lower epoch is refused, while a newer version within the same epoch is
-- still accepted.
local lamp = scenario.lamp{ profile = "production" }
lamp:power_on()
ok(lamp:expect("OTP epoch advanced to 1"), "lamp up on epoch 1")
is(lamp:update(scenario.sign{ version = "1.3.0", epoch = 3 }), "staged", "epoch 3 image accepted")
ok(lamp:expect("OTP epoch advanced to 3"), "epoch 3 confirmed and fused")

local state, why = lamp:update(scenario.sign{ version = "1.2.0", epoch = 2 })
is(state, "refused", "signed image of epoch 2 refused")
like(why, "rollback", "the lamp says rollback")
state, why = lamp:update(scenario.sign{ version = "9.0.0", epoch = 1 })
is(state, "refused", "a higher version of a lower epoch is refused too")
like(why, "rollback", "because of its epoch")
lamp:type("status")
ok(lamp:expect("^firmware: 1\\.3\\.0 image epoch 3, OTP epoch 3"), "epoch 3 firmware still runs")

-- Same epoch, lower version: allowed (epochs, not versions, are the rule).
is(lamp:update(scenario.sign{ version = "1.2.9", epoch = 3 }), "staged", "same-epoch image accepted")
ok(lamp:expect("^boot: verified image 1\\.2\\.9 epoch 3"), "and runs")
is(lamp:otp_epoch(), 3, "epoch stays 3")
