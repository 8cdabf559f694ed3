#!/usr/bin/env bash
# Flood load run (issue 11 item 7), by hand against a running mcu on 127.0.0.1: CALLERS
# sipp callers in room "yardstick" send PCMA RTP (tests/data/sipp/tone_pcma.pcap) for about a minute; after 10 s, another sipp
# floods OPTIONS (or INVITEs into new rooms) at RATE/s for SECONDS. Prints the server's own
# figures (RTP received and concealed, late mixer ticks, the longest tick, requests limited)
# and its RSS before, at the end of the flood, and 60 s later. Bounded: sipp -m and timeouts.
#   tests/load/sip_flood_run.sh SIP_PORT HTTP_PORT MCU_PID [options|invite] [RATE] [SECONDS]
set -euo pipefail
sip_port=$1 http_port=$2 pid=$3 kind=${4:-options} rate=${5:-2000} seconds=${6:-30}
callers=${CALLERS:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

metric() { curl -s "127.0.0.1:$http_port/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
rss_mb() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }
snapshot() {
  printf '%-14s rss_mb=%s rtp_in=%s rtp_lost=%s late_ticks=%s max_tick_s=%s limited=%s refused=%s\n' \
    "$1" "$(rss_mb)" "$(metric mcu_rtp_packets_in_total)" "$(metric mcu_rtp_packets_lost_total)" \
    "$(metric mcu_mixer_late_ticks_total)" "$(metric mcu_mixer_max_tick_seconds)" \
    "$(metric mcu_sip_requests_limited_total)" "$(metric mcu_calls_refused_total)"
}

snapshot "start"
# The scenario with the path of the repository's capture filled in, as the build does.
sed "s|@MCU_SIPP_DATA@|$here/data/sipp|g" "$here/sipp/long_caller.xml" >"$work/long_caller.xml"
sipp -sf "$work/long_caller.xml" -s yardstick -i 127.0.0.1 -mi 127.0.0.1 -p 0 \
  -m "$callers" -r "$callers" -l "$callers" -nostdin -timeout 150s \
  "127.0.0.1:$sip_port" >"$work/callers.log" 2>&1 &
sleep 10
snapshot "calls_up"
if [ "$kind" = invite ]; then
  scenario=(-sn uac -s "flood" -d 1000)
else
  scenario=(-sf "$here/sipp/options.xml")
fi
timeout $((seconds + 20)) sipp "${scenario[@]}" -i 127.0.0.1 -p 0 -r "$rate" \
  -m $((rate * seconds)) -l $((rate * 2)) -nostdin -timeout "$((seconds + 10))s" \
  -recv_timeout 2000 "127.0.0.1:$sip_port" >"$work/flood.log" 2>&1 || true
snapshot "flood_end"
sleep 60
snapshot "60s_after"
grep -E "Successful call|Failed call" "$work/flood.log" | tail -2 || true
