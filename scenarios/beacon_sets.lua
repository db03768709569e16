-- Beacons on the lamp's own CPU: the BLE driver's broadcast advertising
-- sets and the beacon frame builder (tests/firmware/beacon_exerciser.c,
-- booted externally), read back as a phone would read them: each set on
-- the air with its interval and power, its iBeacon or Eddystone-UID
-- identity decoded (docs/hardware.md#advertising-sets,
-- docs/formats.md#beacon-frames).  The connectable commissioning set goes
-- when a central connects; the beacons stay.
local exerciser = os.getenv("LAMPSIM_BEACON_EXERCISER")
if not exerciser then
    error("LAMPSIM_BEACON_EXERCISER: the beacon exerciser's .bin (meson test sets it)")
end

local UUID = "e2c56db5-dffb-48d2-b060-d0f5a71096e0"
local NAMESPACE, INSTANCE = "edd1ebeac04e5defa017", "0bdb87539b67"

local lamp = scenario.lamp{}
ok(lamp:external_boot(exerciser), "the exerciser is loaded by external boot")
lamp:power_on()
ok(lamp:expect("^beacon exerciser: 4 advertising sets"), "the controller reports 4 advertising sets")
is(#lamp:ble_adv_sets(), 0, "nothing on the air after boot")

-- Types a command; returns the exerciser's answer.
local function cmd(line)
    lamp:type(line)
    local answer, why = lamp:expect("^beacon: ")
    return answer or ("(no answer: " .. tostring(why) .. ")")
end

local function set(n)
    for _, s in ipairs(lamp:ble_adv_sets()) do
        if s.set == n then return s end
    end
end

is(cmd("adv LMP-BCN"), "beacon: ok", "set 0 advertises the commissioning service")
is(cmd("params 1 250 -4"), "beacon: ok selected -4", "set 1: 250 ms at -4 dBm, as asked")
is(cmd("ibeacon 1 " .. UUID .. " 1 2 -59"), "beacon: ok 30 bytes", "set 1 gets an iBeacon frame")
is(cmd("start 1"), "beacon: ok", "set 1 starts")
is(cmd("params 2 1000 127"), "beacon: ok selected 0", "set 2: no power preference gives 0 dBm")
is(cmd("eddystone 2 " .. NAMESPACE .. " " .. INSTANCE .. " -18"), "beacon: ok 31 bytes",
   "set 2 gets an Eddystone-UID frame (all 31 bytes)")
is(cmd("start 2"), "beacon: ok", "set 2 starts")

local sets = lamp:ble_adv_sets()
is(#sets, 3, "three sets on the air")
is(sets[1] and sets[1].set, 0, "set 0 first")
is(sets[1] and sets[1].connectable, true, "set 0 is the connectable one")
is(sets[1] and sets[1].interval_ms, 1280, "at HCI's default interval")
local ib = set(1)
is(ib and ib.connectable, false, "set 1 is a broadcaster")
is(ib and ib.interval_ms, 250, "set 1's interval")
is(ib and ib.tx_power, -4, "set 1's TX power")
is(ib and #ib.data, 30, "set 1 carries 30 bytes")
is(ib and ib.ibeacon and ib.ibeacon.uuid, UUID, "the iBeacon's proximity UUID")
is(ib and ib.ibeacon and ib.ibeacon.major, 1, "its major")
is(ib and ib.ibeacon and ib.ibeacon.minor, 2, "its minor")
is(ib and ib.ibeacon and ib.ibeacon.power, -59, "its measured power at 1 m")
local ed = set(2)
is(ed and ed.eddystone_uid and ed.eddystone_uid.namespace, NAMESPACE, "the Eddystone namespace")
is(ed and ed.eddystone_uid and ed.eddystone_uid.instance, INSTANCE, "the Eddystone instance")
is(ed and ed.eddystone_uid and ed.eddystone_uid.power, -18, "its ranging power at 0 m")
is(ed and ed.ibeacon, nil, "no iBeacon in set 2")

-- A new identity while the set is on: the air carries it at once.
is(cmd("ibeacon 1 " .. UUID .. " 7 300 -61"), "beacon: ok 30 bytes", "set 1's data changes while on")
ib = set(1)
is(ib and ib.ibeacon and ib.ibeacon.major, 7, "the new major is on the air")
is(ib and ib.ibeacon and ib.ibeacon.minor, 300, "the new minor too")

-- What the controller and the builder refuse.
is(cmd("params 1 100 0"), "beacon: err 5", "no parameters for a set on the air")
is(cmd("start 3"), "beacon: err 5", "no start before parameters")
is(cmd("params 3 19 0"), "beacon: err 8", "an interval under 20 ms")
is(cmd("params 3 10241 0"), "beacon: err 8", "an interval over 10.24 s")
is(cmd("params 3 100 21"), "beacon: err 8", "a TX power over +20 dBm")
is(cmd("params 0 100 0"), "beacon: err 4", "set 0 has no parameters command")
is(cmd("params 4 100 0"), "beacon: err 4", "there is no set 4")
is(cmd("eddystone 3 " .. NAMESPACE .. " " .. INSTANCE .. " -101"), "beacon: frame refused",
   "a ranging power under -100 dBm is refused by the builder")
is(cmd("raw 3 " .. string.rep("01", 32)), "beacon: err 2", "32 bytes of data are refused")
is(cmd("raw 3 05ff4c00"), "beacon: err 2", "AD lengths that run past the end are refused")
is(cmd("params 3 100 20"), "beacon: ok selected 8", "+20 dBm asked: the radio's +8")
is(cmd("raw 3 0201060303aafe"), "beacon: ok 7 bytes", "set 3 gets other data")
is(cmd("start 3"), "beacon: ok", "set 3 starts")
local raw = set(3)
is(raw and raw.data, "\2\1\6\3\3\170\254", "set 3 carries its bytes as given")
ok(raw and not raw.ibeacon and not raw.eddystone_uid, "and no beacon is read into them")

-- A central connects: set 0 goes, the beacons stay.
ok(lamp:ble_connect(), "a central connects")
is(lamp:ble_advertising(), false, "the connectable advertising stopped")
sets = lamp:ble_adv_sets()
is(#sets, 3, "three broadcast sets still on the air")
is(set(0), nil, "set 0 is not among them")
lamp:ble_disconnect()
is(cmd("stop 1"), "beacon: ok", "set 1 stops")
is(set(1), nil, "set 1 is off the air")
is(#lamp:ble_adv_sets(), 2, "sets 2 and 3 remain")

-- A power cycle forgets every set.
lamp:power_off()
is(#lamp:ble_adv_sets(), 0, "nothing on the air without power")
lamp:power_on()
ok(lamp:expect("^beacon exerciser: 4 advertising sets"), "the exerciser boots again")
is(cmd("start 2"), "beacon: err 5", "set 2 must be given its parameters again")
