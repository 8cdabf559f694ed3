#!/usr/bin/env bash
# Recording and playback load run (issue 15, "measure and report"), by hand against a running
# mcu on 127.0.0.1 started with recordings.dir and prompts.dir (PROMPT, a long file there, is
# played): ROOMS rooms of CALLERS PCMU callers each (one talker a room), joined by SIP and sent
# RTP with jitter from sip_crowd processes. Three phases of SECONDS each, the same callers
# throughout: nothing extra, every room recorded (FORMAT, ogg by default), every room playing
# PROMPT. Per phase: the server's CPU (from /proc, so per room of extra work it is the phase's
# difference), and from /metrics the late mixer ticks, the ticks over 5 and 20 ms (all three
# from the tick histogram's one publication), and the encodes of the callers' mixes. Bounded: sip_crowd --seconds and curl timeouts.
#   tests/load/recording_run.sh SIP_CROWD SIP_PORT HTTP_PORT MCU_PID TOKEN [ROOMS] [CALLERS] [SECONDS]
set -euo pipefail
crowd=$1 sip_port=$2 http_port=$3 pid=$4 token=$5 rooms=${6:-20} callers=${7:-2} seconds=${8:-30}
format=${FORMAT:-ogg} prompt=${PROMPT:-long.wav}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
api() { curl -s -m 5 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
# One scrape of /metrics, so that the histogram's buckets are of one publication.
snapshot() {
  local cpu
  cpu=$(cpu_ticks)
  curl -s -m 5 "127.0.0.1:$http_port/metrics" | awk -v cpu="$cpu" '
    $1 == "mcu_mixer_late_ticks_total" { late = $2 }
    $1 == "mcu_mixer_tick_duration_seconds_bucket{le=\"+Inf\"}" { all = $2 }
    $1 == "mcu_mixer_tick_duration_seconds_bucket{le=\"0.005\"}" { le5 = $2 }
    $1 == "mcu_mixer_tick_duration_seconds_bucket{le=\"0.02\"}" { le20 = $2 }
    $1 == "mcu_mixer_encodes_total" { enc = $2 }
    END { print cpu, late, all, le5, le20, enc }'
}
# One phase: SECONDS long, its figures from the snapshots either side.
phase() {
  local name=$1 before after
  before=$(snapshot)
  sleep "$seconds"
  after=$(snapshot)
  awk -v name="$name" -v hz="$hz" -v s="$seconds" -v rooms="$rooms" -v calls=$((rooms * callers)) \
    -v b="$before" -v a="$after" 'BEGIN {
      split(b, x, " "); split(a, y, " ");
      cpu_ms = (y[1] - x[1]) * 1000 / hz;
      ticks = y[3] - x[3];
      printf "%-10s server_cpu_ms_per_s=%.1f ms_per_participant_s=%.2f late_ticks=%d ticks=%d" \
        " ticks_over_5ms=%d ticks_over_20ms=%d encodes_per_s=%.0f\n", name, cpu_ms / s,
        cpu_ms / s / calls, y[2] - x[2], ticks, ticks - (y[4] - x[4]), ticks - (y[5] - x[5]),
        (y[6] - x[6]) / s;
    }'
}

for r in $(seq "$rooms"); do
  "$crowd" "$sip_port" --room "load$r" --callers "$callers" --talkers 1 --codec pcmu \
    --listeners 0 --jitter-ms 5 --seconds $((3 * seconds + 40)) >"$work/crowd$r.log" 2>&1 &
done
sleep 8  # joins and settling
# PROMPT decoded and cached before the phases (its first use decodes it on an HTTP worker,
# which competes with the media threads for the cores): the playback phase measures playing.
warm=$(api -X POST -d "{\"file\":\"$prompt\"}" "127.0.0.1:$http_port/v1/rooms/load1/playback" |
  sed -n 's/.*"id":\([0-9]*\).*/\1/p')
api -X DELETE "127.0.0.1:$http_port/v1/rooms/load1/playback/$warm" >/dev/null
sleep 2
phase idle
ids=()
for r in $(seq "$rooms"); do
  ids+=("$(api -X POST -d "{\"format\":\"$format\"}" "127.0.0.1:$http_port/v1/rooms/load$r/recordings" |
    sed -n 's/.*"id":\([0-9]*\).*/\1/p')")
done
sleep 2  # the announcement
phase recording
for r in $(seq "$rooms"); do
  api -X DELETE "127.0.0.1:$http_port/v1/rooms/load$r/recordings/${ids[$((r - 1))]}" >/dev/null
  api -X POST -d "{\"file\":\"$prompt\"}" "127.0.0.1:$http_port/v1/rooms/load$r/playback" >/dev/null
done
sleep 1
phase playback
echo "recordings started: ${#ids[@]} (ids ${ids[*]})"
wait
