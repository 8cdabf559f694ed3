#!/usr/bin/env bash
# The yardstick of issue 13: Janus AudioBridge (Debian's `janus`, plain-RTP participants) loaded
# by the same generator as our server, sip_crowd, so that both servers' CPU per
# participant-second come from one method and one run. Prints sip_crowd's line for Janus.
#
#   tests/load/janus_run.sh SIP_CROWD CALLERS SECONDS [JITTER_MS]
#
# Janus runs from a throw-away configuration (the AudioBridge plugin and the HTTP transport
# only, one 48 kHz room, no session timeout) on free ports of 127.0.0.1, and is ended by its PID.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
script_name=janus_run
# shellcheck source=deploy/lib.sh
. "$root/deploy/lib.sh"   # free_port, die
crowd=$1 callers=$2 seconds=$3 jitter=${4:-10}
command -v janus >/dev/null || die "janus is not installed (deploy/local bench installs it)"
lib=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/janus
work=$(mktemp -d /tmp/janus-run.XXXXXX)
janus_pid=""
cleanup() {
  [ -z "$janus_pid" ] || kill -TERM "$janus_pid" 2>/dev/null || true
  [ -z "$janus_pid" ] || wait "$janus_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/conf" "$work/plugins" "$work/transports"
ln -s "$lib/plugins/libjanus_audiobridge.so" "$work/plugins/"
ln -s "$lib/transports/libjanus_http.so" "$work/transports/"
http_port=$(free_port 28088)
cat > "$work/conf/janus.jcfg" <<CFG
general: {
  configs_folder = "$work/conf"
  plugins_folder = "$work/plugins"
  transports_folder = "$work/transports"
  events_folder = "$work/none"
  loggers_folder = "$work/none"
  session_timeout = 0
  debug_level = 3
}
media: {
  rtp_port_range = "30000-39999"
}
CFG
cat > "$work/conf/janus.transport.http.jcfg" <<CFG
general: {
  json = "plain"
  base_path = "/janus"
  http = true
  port = $http_port
  interface = "lo"
  https = false
}
admin: {
  admin_http = false
}
CFG
# As our bench room: 48 kHz (Opus's own rate), levels from RFC 6464, no level events.
cat > "$work/conf/janus.plugin.audiobridge.jcfg" <<CFG
general: {
  rtp_port_range = "40000-49999"
  local_ip = "127.0.0.1"
}
room-4242: {
  description = "yardstick"
  sampling_rate = 48000
  audiolevel_ext = true
  audiolevel_event = false
  record = false
  allow_rtp_participants = true
}
CFG
janus -F "$work/conf" -C "$work/conf/janus.jcfg" -o -N -L "$work/janus.log" &
janus_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$http_port/janus/info" >/dev/null && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$http_port/janus/info" >/dev/null ||
  { cat "$work/janus.log" >&2; die "Janus did not answer (its log is above)"; }
"$crowd" 0 --janus-http "$http_port" --janus-room 4242 --callers "$callers" --talkers 3 \
  --codec opus --jitter-ms "$jitter" --seconds "$seconds" --server-pid "$janus_pid"
