#include "mcu/app/server_metrics.h"

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "mcu/app/metric_text.h"
#include "mcu/app/process_metrics.h"
#include "mcu/common/build_info.h"

namespace mcu::app {

std::string serverMetrics(const MetricSources& s) {
  std::ostringstream out;
  // Counters pass a million within hours: the default 6 digits would print 1.23457e+07.
  out.precision(15);
  writeProcessMetrics(out);
  // The Prometheus convention for "which build is this": a constant 1 carrying it as labels,
  // joined onto other series by instance when a fleet runs mixed versions.
  const BuildInfo& build = buildInfo();
  writeInfo(out, "mcu_build_info", "The running build: version, commit and build type.",
            {{"version", std::string(build.version)},
             {"commit", std::string(build.commit)},
             {"build_type", std::string(build.build_type)}});
  writeMetric(out, "mcu_ready", "gauge",
              "1 when /readyz says ready (database, SIP, rooms, not draining).",
              s.ready && s.ready() ? 1 : 0);
  if (s.prompts != nullptr) {
    writeMetric(out, "mcu_prompt_cache_bytes", "gauge",
                "Memory held by decoded prompts (each file of prompts.dir once, at its first use).",
                static_cast<double>(s.prompts->cachedBytes()));
  }
  writeMetric(out, "mcu_cpu_overloaded", "gauge",
              "1 while the process is over rooms.cpu_budget_percent: new calls get 503.",
              s.cpu != nullptr && s.cpu->overloaded() ? 1 : 0);
  {
    std::vector<std::pair<std::string, double>> outcomes;
    for (int hundreds = 2; hundreds <= 6; ++hundreds) {
      outcomes.emplace_back(std::to_string(hundreds) + "xx",
                            static_cast<double>(s.sip->inviteOutcomes(hundreds)));
    }
    writeLabelled(
        out, "mcu_sip_invites_total", "counter",
        "New INVITEs by the class of their final response (2xx answered; 4xx, 5xx refused).",
        "class", outcomes);
  }
  writeMetric(out, "mcu_sip_calls_active", "gauge", "SIP dialogs in progress.",
              static_cast<double>(s.sip->activeCalls()));
  writeMetric(out, "mcu_sip_tcp_connections", "gauge",
              "SIP TCP/TLS connections accepted and open (as of the last 2 s sweep).",
              static_cast<double>(s.sip->tcpConnections()));
  writeMetric(out, "mcu_sip_tcp_closed_silent_total", "counter",
              "SIP TCP/TLS connections closed for sending nothing within sip.tcp_silent_s.",
              static_cast<double>(s.sip->tcpClosedSilent()));
  writeMetric(out, "mcu_sip_tcp_closed_over_cap_total", "counter",
              "SIP TCP/TLS connections closed beyond sip.tcp_max_per_source.",
              static_cast<double>(s.sip->tcpClosedOverCap()));
  writeMetric(out, "mcu_sip_requests_limited_total", "counter",
              "Requests answered 503 because their source went over sip.requests_per_source_per_s.",
              static_cast<double>(s.sip->limitedRequests()));
  writeMetric(out, "mcu_sip_subscriptions", "gauge",
              "RFC 4575 conference-event subscriptions in force.",
              static_cast<double>(s.sip->subscriptions()));
  writeMetric(out, "mcu_sip_conference_notifies_total", "counter",
              "NOTIFYs of conference state sent (full, partial and terminating).",
              static_cast<double>(s.sip->conferenceNotifies()));
  if (const auto t = s.conference->totals()) {
    writeMetric(out, "mcu_calls_joined_total", "counter", "Calls admitted into a room.",
                static_cast<double>(t->joined));
    writeMetric(out, "mcu_calls_refused_total", "counter",
                "INVITEs refused by policy or capacity (403, 404, 486, 503).",
                static_cast<double>(t->refused));
    writeMetric(out, "mcu_participants", "gauge", "Participants in rooms now.",
                static_cast<double>(t->participants));
    writeMetric(out, "mcu_rooms_active", "gauge", "Rooms with at least one participant.",
                static_cast<double>(t->active_rooms));
    writeMetric(out, "mcu_talkers", "gauge", "Participants talking now.",
                static_cast<double>(t->talking));
    writeMetric(out, "mcu_participants_p50_jitter_seconds", "gauge",
                "Median interarrival jitter of what the live participants send.", t->jitter_p50_s);
    writeMetric(out, "mcu_participants_p95_jitter_seconds", "gauge",
                "95th percentile, over the live participants, of their interarrival jitter.",
                t->jitter_p95_s);
    writeMetric(out, "mcu_participants_p50_loss_ratio", "gauge",
                "Median share of frames lost or late, over the live participants' calls so far.",
                t->loss_p50);
    writeMetric(out, "mcu_participants_p95_loss_ratio", "gauge",
                "95th percentile, over the live participants, of the share of their frames lost or "
                "late.",
                t->loss_p95);
    writeMetric(out, "mcu_rtp_packets_in_total", "counter", "RTP packets received.",
                static_cast<double>(t->packets_in));
    writeMetric(out, "mcu_rtp_packets_out_total", "counter", "RTP packets sent.",
                static_cast<double>(t->packets_out));
    writeMetric(out, "mcu_rtp_packets_lost_total", "counter",
                "Frames concealed because their packet was lost or late.",
                static_cast<double>(t->packets_lost));
    writeMetric(out, "mcu_rtp_frames_recovered_total", "counter",
                "Of the frames lost or late, those rebuilt from the next packet's in-band FEC "
                "(Opus) rather than guessed.",
                static_cast<double>(t->frames_recovered));
    writeMetric(out, "mcu_rtp_packets_dropped_total", "counter",
                "Packets dropped: not RTP, or from an address that is not the participant's.",
                static_cast<double>(t->packets_dropped));
  }
  const auto engine = s.engine->engineStats();
  writeMetric(out, "mcu_mixer_ticks_total", "counter", "20 ms mixer ticks run.",
              static_cast<double>(engine.ticks));
  writeMetric(out, "mcu_mixer_late_ticks_total", "counter", "Mixer ticks that started late.",
              static_cast<double>(engine.late_ticks));
  writeMetric(out, "mcu_mixer_max_tick_seconds", "gauge", "Longest mixer tick so far.",
              engine.max_tick_ms / 1000.0);
  out << "# HELP mcu_mixer_tick_duration_seconds How long each media thread's 20 ms tick took"
         " (receive what came since the read ahead, mix, send; a spread room's waits included).\n"
         "# TYPE mcu_mixer_tick_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < mixer::kTickBucketsMs.size(); ++i) {
    cumulative += engine.tick_ms[i];
    out << "mcu_mixer_tick_duration_seconds_bucket{le=\"" << mixer::kTickBucketsMs[i] / 1000.0
        << "\"} " << cumulative << "\n";
  }
  cumulative += engine.tick_ms.back();
  out << "mcu_mixer_tick_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n"
      << "mcu_mixer_tick_duration_seconds_sum " << engine.tick_ms_sum / 1000.0 << "\n"
      << "mcu_mixer_tick_duration_seconds_count " << cumulative << "\n";
  writeMetric(out, "mcu_mixer_receive_ahead_seconds_total", "counter",
              "Time the media threads spent reading RTP just before their ticks (batched I/O).",
              engine.receive_ahead_ms_sum / 1000.0);
  writeMetric(out, "mcu_mixer_receives_ahead_total", "counter",
              "Reads of RTP just before a tick (batched I/O): one per thread per tick.",
              static_cast<double>(engine.receives_ahead));
  writeMetric(out, "mcu_mixer_max_receive_ahead_seconds", "gauge",
              "Longest read of RTP just before a tick so far.",
              engine.max_receive_ahead_ms / 1000.0);
  writeMetric(out, "mcu_mixer_encodes_total", "counter", "Frames encoded (shared plus personal).",
              static_cast<double>(engine.shared_encodes + engine.personal_encodes));
  writeMetric(
      out, "mcu_media_batched_io_threads", "gauge",
      "Media threads sending and receiving RTP through io_uring (0: one syscall per packet).",
      engine.batched_threads);
  writeMetric(
      out, "mcu_media_realtime_threads", "gauge",
      "Media threads running under SCHED_FIFO (media.realtime_priority; 0: off or refused).",
      engine.realtime_threads);
  writeMetric(out, "mcu_media_realtime_drops_total", "counter",
              "Times a media thread gave SCHED_FIFO up because it used over 80 % of its core for"
              " a second (it takes it again after 5 s under 50 %).",
              static_cast<double>(engine.realtime_drops));
  writeMetric(
      out, "mcu_media_io_syscalls_total", "counter",
      "io_uring_enter calls of the media threads (a few per 20 ms tick, whatever the load).",
      static_cast<double>(engine.io_syscalls));
  writeMetric(out, "mcu_media_io_unbatched_sends_total", "counter",
              "RTP packets sent with one syscall each because every send slot was in use.",
              static_cast<double>(engine.io_unbatched_sends));
  writeMetric(out, "mcu_media_io_send_failures_total", "counter",
              "RTP packets the kernel refused (full socket buffer, unreachable peer).",
              static_cast<double>(engine.io_send_failed));
  writeMetric(out, "mcu_media_room_shards", "gauge",
              "Parts of large rooms running on a media thread other than the room's home.",
              static_cast<double>(engine.shard_parts));
  writeMetric(out, "mcu_media_room_part_late_total", "counter",
              "Ticks on which a room spread over media threads had a part late (its callers lost"
              " that frame).",
              static_cast<double>(engine.late_parts));
  writeMetric(out, "mcu_media_chains_built_ahead_total", "counter",
              "Codec chains built between ticks, ready for new talkers and codecs.",
              static_cast<double>(engine.chains_built_ahead));
  writeMetric(out, "mcu_media_chains_built_on_demand_total", "counter",
              "Codec chains built when needed, none being spare (on a tick, each holds it 1-2 ms).",
              static_cast<double>(engine.chains_built_on_demand));
  writeMetric(out, "mcu_db_ready", "gauge", "1 when PostgreSQL is reachable and migrated.",
              s.db->isReady() ? 1 : 0);
  writeMetric(out, "mcu_db_queue_depth", "gauge", "Database jobs waiting (call records, events).",
              static_cast<double>(s.db->pendingJobs()));
  writeMetric(out, "mcu_db_failed_jobs_total", "counter", "Database jobs that failed for good.",
              static_cast<double>(s.db->failedJobs()));
  writeMetric(out, "mcu_db_dropped_jobs_total", "counter",
              "Database jobs refused because the queue was full.",
              static_cast<double>(s.conference_store->dropped() + s.events->dropped()));
  if (const auto* own = s.ownership; own != nullptr) {
    writeMetric(out, "mcu_cluster_leased", "gauge",
                "1 while this node's lease is live (it takes new callers into its rooms).",
                own->leasedNow() ? 1 : 0);
    writeMetric(out, "mcu_cluster_rooms_owned", "gauge", "Rooms this node has claimed.",
                static_cast<double>(own->roomsOwned()));
    writeMetric(out, "mcu_cluster_claims_total", "counter",
                "Claims of a room asked of the database (a room not yet this node's).",
                static_cast<double>(own->claimsMade()));
    writeMetric(out, "mcu_cluster_lease_losses_total", "counter",
                "Times the lease lapsed unrenewed and the node forgot its claims.",
                static_cast<double>(own->leaseLosses()));
    writeMetric(out, "mcu_cluster_fenced_writes_total", "counter",
                "Call records refused because the room was no longer this node's at its epoch.",
                static_cast<double>(s.conference_store->fencedWrites()));
  }
  return out.str();
}

}  // namespace mcu::app
