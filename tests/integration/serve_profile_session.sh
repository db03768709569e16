# tests/integration/serve_profile_session.sh: sourced by the scripts that
# run lampsim serve with a load profile against the reference cloud
# (serve_profile.sh, serve_campaigns.sh): $work and the cloud's clean-up
# (lampcloud_session), the served fleet stopped at exit, TAP lines, and
# /metrics read.  The sourcing script prints its plan ("1..N") and sets
# serve_pid and url.
. "$here/../../tools/lampcloud_start.sh"
lampcloud_session
serve_pid=
stop_serve() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null; serve_pid=; }
trap 'stop_serve; lampcloud_session_end' EXIT
. "$here/tap.sh"
TAP_TAIL=12
# metric 'NAME{LABELS}': its value now (integer part), 0 when absent
metric() {
    curl -s "${url}metrics" | awk -v k="$1" '$1 == k { sub(/\..*/, "", $2); print $2; f = 1 } END { if (!f) print 0 }'
}
