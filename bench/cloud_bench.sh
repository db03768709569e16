# bench/cloud_bench.sh: sourced by the benchmarks that run lamps against the
# reference cloud (bench/tls_fleet.sh, bench/fleet_scale.sh), from the
# repository's top folder.
#
# cloud_bench_start NAME: builds $build (default build-bench, configured
# release if new), makes the work folder $work (removed at exit, with the
# cloud stopped: lampcloud_session), and starts lampcloud serve on free loopback ports with
# the build's development fleet; sets fleet, mqtt and https.  Exits with
# the cloud's log when it does not start.
cloud_bench_start() {
    local name=$1
    build=${BUILD:-build-bench}
    [ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=release >/dev/null
    meson compile -C "$build" >/dev/null
    . tools/lampcloud_start.sh
    lampcloud_session
    fleet=$build/firmware/dev-fleet
    mqtt=$(free_port) https=$(free_port)
    lampcloud_start "$build/tools/lampcloud/lampcloud" "$work/cloud.log" --fleet "$fleet" \
        --state-dir "$work/cloud" --mqtt-port "$mqtt" --https-port "$https" ||
        { cat "$work/cloud.log"; echo "$name: lampcloud did not start" >&2; exit 1; }
    echo "== reference cloud: mosquitto on 127.0.0.1:$mqtt (mutual TLS 1.2)"
}

# get KEY FILE: the value of a "key: value" line of a report.
get() { sed -n "s/^$1: //p" "$2"; }
