-- tests/integration/lamp_apps.lua: run by lamp_apps.sh, which starts
-- lampcloud serve and passes its ports and folders in the environment.
-- lamp:expect takes a regular expression, the cloud's log a Lua pattern.
local fleet = { dir = os.getenv("FLEET") }
local state = os.getenv("CLOUD_STATE")
local SERIAL = "APPS-CLOUD-1"

local cloud = dofile(scenario.file:match("^(.*)/") .. "/cloud_lib.lua")
local sh, cloud_says, lampcloud = cloud.sh, cloud.cloud_says, cloud.lampcloud
-- Publishes, retained at QoS 1, as the cloud's own client.
local function publish(topic, payload)
  return sh(("mosquitto_pub -h localhost -p %s --id cloud:cli --cafile %s/cloud-ca.crt " ..
             "--cert %s/cloud-cli.crt --key %s/cloud-cli.key --tls-version tlsv1.2 " ..
             "--ciphers ECDHE-ECDSA-AES128-GCM-SHA256 -q 1 -r -t '%s' -m '%s'"):format(
             os.getenv("MQTT_PORT"), fleet.dir, state, state, topic, payload))
end
-- The cloud's own command: served from its image directory, offered retained.
local function deploy(pkg)
  return lampcloud(("app deploy %s %s"):format(SERIAL, pkg))
end

local lamp <close> = scenario.lamp{ serial = SERIAL, fleet = fleet, ap = "lab:password123",
                                    cloud = "localhost:" .. os.getenv("MQTT_PORT") }
lamp:power_on()
lamp:type("wifi lab password123")
ok(lamp:expect("mqtt: connected as " .. SERIAL, 90), "the lamp connects to the reference cloud")

-- A package of about 9 KB: the image server cuts the first response at 4000 bytes.
local source = "-- nightlight\n" .. string.rep("-- a line of commentary to make the package long\n", 170) ..
               "log('nightlight up')\n"
local pkg = scenario.sign_app{ name = "nightlight", version = "1.0.0", source = source, fleet = fleet }
local done, out = deploy(pkg)
ok(done, "lampcloud app deploy offers it (" .. out:gsub("\n", " ") .. ")")
ok(lamp:expect("appctl: nightlight 1\\.0\\.0: downloading https://localhost:", 20),
   "the lamp starts the HTTPS download")
ok(lamp:expect("appctl: connection lost at byte 4000 of", 60), "the server cuts it short")
ok(lamp:expect("appctl: resumed at byte 4000 of", 60), "the lamp resumes with Range")
ok(cloud_says(lamp, SERIAL:gsub("%-", "%%-") .. " GET /nightlight%-1%.0%.0%.lpk: 206, bytes 4000%-", 10),
   "the image server answered 206 from byte 4000")
ok(lamp:expect("appctl: nightlight 1\\.0\\.0 installed \\(slot \\d\\)", 60),
   "the package is verified and installed")
local topic = SERIAL:gsub("%-", "%%-") .. ": appctl/nightlight/status "
ok(cloud_says(lamp, topic .. '{"state":"downloading","version":"1%.0%.0"}', 10),
   "the status topic said downloading")
ok(cloud_says(lamp, topic .. '{"state":"interrupted","version":"1%.0%.0","why":"connection lost"}', 10),
   "then interrupted")
ok(cloud_says(lamp, topic .. '{"state":"installed","version":"1%.0%.0"}', 10), "then installed")
lamp:run_for(1)
ok(lamp:console():find("\napp: nightlight: nightlight up", 1, true), "the runtime starts the installed app")
ok(cloud_says(lamp, topic .. '{"state":"running","version":"1%.0%.0"}', 10), "and reports it running")
lamp:type("app list")
ok(lamp:expect("^app: nightlight 1\\.0\\.0 slot=\\d", 10), "the app is listed")

lamp:type("net reconnect")
ok(lamp:expect("appctl: nightlight: 1\\.0\\.0 already installed", 60),
   "after a reconnect the retained notification is recognised as current")
ok(cloud_says(lamp, topic .. '{"state":"current","version":"1%.0%.0"}', 10), "and reported current")

-- A package under another app's name is refused before it is stored.
local other = scenario.sign_app{ name = "other", version = "1.0.0", fleet = fleet }
scenario.write_file(os.getenv("IMAGES") .. "/imposter-1.0.0.lpk", scenario.read_file(other))
done = publish(("lamp/%s/appctl/imposter"):format(SERIAL),
               ('{"url":"https://localhost:%s/imposter-1.0.0.lpk","version":"1.0.0","size":%d}'):format(
                 os.getenv("HTTPS_PORT"), #scenario.read_file(other)))
ok(done and lamp:expect("appctl: imposter 1\\.0\\.0: refused: the package is not imposter's", 60),
   "a package that is not the notified app's is refused")
ok(cloud_says(lamp, SERIAL:gsub("%-", "%%-") .. ': appctl/imposter/status {"state":"refused"', 10),
   "and the cloud is told")

-- An upgrade and an OTA image offered together: the app's download runs
-- first, the OTA waits for it, then the lamp stages the image, resets
-- into 1.0.1 and still holds the app.
local v110 = scenario.sign_app{ name = "nightlight", version = "1.1.0", source = source, fleet = fleet }
done = deploy(v110)
ok(done and lamp:expect("appctl: nightlight 1\\.1\\.0: downloading", 20), "an upgrade is offered and downloads")
done, out = lampcloud("notify-ota " .. SERIAL .. " " .. os.getenv("IMG_GOOD"))
ok(done, "an OTA image is offered at the same time (" .. out:gsub("\n", " ") .. ")")
ok(lamp:expect("ota: https://\\S+ waits until the appctl download ends", 20),
   "the OTA waits for the app's download")
ok(lamp:expect("appctl: nightlight 1\\.1\\.0 installed", 60), "the upgrade installs")
ok(lamp:expect("ota: downloading https://", 20), "then the OTA download starts")
ok(lamp:expect("ota: image 1\\.0\\.1 epoch 1 staged; rebooting to install", 180), "and stages the image")
ok(lamp:expect("update: image 1\\.0\\.1 confirmed", 90), "the lamp runs 1.0.1")
ok(lamp:expect("^app: nightlight 1\\.1\\.0 installed \\(slot \\d\\)", 30), "and still holds the app")
ok(lamp:expect("^app: nightlight: nightlight up", 30), "and runs it after the reset")
ok(lamp:expect("appctl: nightlight: 1\\.1\\.0 already installed", 90),
   "back online, the retained upgrade is current")

done = lampcloud("app remove " .. SERIAL .. " nightlight")
ok(done and lamp:expect("appctl: nightlight 1\\.1\\.0 removed", 30), "a remove notification removes it")
ok(cloud_says(lamp, topic .. '{"state":"removed","version":"1%.1%.0"}', 10), "and reports removed")
lamp:type("app list")
ok(lamp:expect("^app: 0 of \\d installed", 10), "no app is listed")

-- The example apps (apps/, signed by the build) from the cloud, and their
-- messages through the broker: configured by the cloud on their own
-- topics, publishing what they saw.
local examples = os.getenv("LAMPSIM_APPS")
local app_topic = "lamp/" .. SERIAL .. "/app/"
-- how the cloud's log shows what the lamp published (Lua patterns)
local said = SERIAL:gsub("%-", "%%-") .. ": app/"
local said_status = SERIAL:gsub("%-", "%%-") .. ": appctl/"
local function example(file, name)
  done, out = deploy(examples .. "/" .. file)
  ok(done and lamp:expect("appctl: " .. name .. " 1\\.0\\.0 installed", 60),
     name .. " is deployed and installed (" .. out:gsub("\n", " ") .. ")")
  ok(cloud_says(lamp, said_status .. name:gsub("%-", "%%-") .. '/status {"state":"running"', 15),
     name .. " runs")
end

lamp:set_occupied(false)
example("people_counter.lpk", "people-counter")
lamp:run_for(2)
ok(publish(app_topic .. "people-counter/config", "period_s=10") and
   lamp:expect("app: people-counter: period now 10 s", 20), "the counter takes its period from the cloud")
lamp:set_occupied(true)
ok(cloud_says(lamp, said .. 'people%-counter/count {"period":%d+,"arrivals":1,', 25),
   "and publishes the arrival it saw")

example("occupancy_scenes.lpk", "occupancy-scenes")
ok(publish(app_topic .. "occupancy-scenes/set", "occupied=70 cct=3000") and
   lamp:expect("app: occupancy-scenes: scene occupied \\(70 %\\)", 20),
   "the scenes take the owner's level from the cloud")
ok(cloud_says(lamp, said .. 'occupancy%-scenes/scene {"scene":"occupied","level":70}', 10),
   "and publish the scene")
ok(publish(app_topic .. "occupancy-scenes/set", "occupied=170") and
   cloud_says(lamp, said .. 'occupancy%-scenes/error {"refused":"occupied"}', 20),
   "a level out of range is refused and the refusal published")

-- Each example app takes two of the four arenas: a third waits, and runs
-- once an app is removed.
done, out = deploy(examples .. "/beacon_rotator.lpk")
ok(done and lamp:expect("appctl: beacon-rotator 1\\.0\\.0 installed", 60), "a third app installs")
ok(cloud_says(lamp, said_status .. 'beacon%-rotator/status {"state":"stopped","version":"1%.0%.0","why":"needs 2 arenas', 15),
   "but does not run: the cloud hears why")
done = lampcloud("app remove " .. SERIAL .. " people-counter")
ok(done and lamp:expect("app: beacon-rotator: trying again, now that an app was removed", 30),
   "removing the counter lets it run")
ok(cloud_says(lamp, said_status .. 'beacon%-rotator/status {"state":"running"', 15),
   "beacon-rotator runs")
ok(cloud_says(lamp, said .. 'beacon%-rotator/epoch {"epoch":1,"period_s":900}', 15),
   "the rotator announces its first epoch")
ok(publish(app_topic .. "beacon-rotator/config", "secret=0123456789abcdef period_s=60") and
   cloud_says(lamp, said .. 'beacon%-rotator/epoch {"epoch":2,"period_s":60}', 20),
   "a new secret and period from the cloud start a new epoch")
