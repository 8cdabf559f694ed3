// The media-engine test fixture: a real engine over loopback RTP, RtpPeers that send their own
// tone and decode what they get, and the events the engine reports. Shared by the engine's
// test files.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <thread>
#include <tuple>

#include "mixer/codec/audio_file_loader.h"
#include "mixer/engine/media_engine.h"
#include "tests/support/eventually.h"
#include "tests/support/listening.h"
#include "tests/support/rtp_peer.h"
#include "tests/support/thread_count.h"

namespace mcu::mixer {

using codec::CodecKind;
using codec::CodecSpec;
using namespace std::chrono_literals;
using core::literals::operator""_pid;

inline constexpr double kHeard = test::kHeardDb;
inline constexpr double kNotHeard = test::kNotHeardDb;

inline MediaEndpoint endpointFor(const CodecSpec& spec, std::uint16_t port) {
  MediaEndpoint e;
  e.codec = spec;
  e.remote = {"127.0.0.1", port};
  return e;
}

inline CodecSpec opus() { return {.kind = CodecKind::kOpus, .payload_type = 111}; }
inline CodecSpec pcmu() { return {.kind = CodecKind::kPcmu, .payload_type = 0}; }
inline CodecSpec g722() { return {.kind = CodecKind::kG722, .payload_type = 9}; }

class RecordedEvents : public MediaEvents {
 public:
  void onFirstPacket(ParticipantId id) override { add("first:" + id.text()); }
  void onTalking(ParticipantId id, bool t) override {
    add((t ? "talking:" : "silent:") + id.text());
  }
  void onDtmf(ParticipantId id, char digit) override { add("dtmf:" + id.text() + ":" + digit); }
  void onRtpTimeout(ParticipantId id) override { add("timeout:" + id.text()); }
  void onPlaybackFinished(PlaybackId id) override {
    add("played:" + std::to_string(static_cast<std::uint64_t>(id)));
  }
  void onRecordingEnded(RoomId /*room*/, RecordingKey key, const RecordingEnd& end) override {
    {
      const std::lock_guard lock(mutex_);
      recordings_[key] = end;
    }
    add("recorded:" + std::to_string(key) + ":" + end.reason);
  }
  std::optional<RecordingEnd> recordingEnd(RecordingKey key) const {
    const std::lock_guard lock(mutex_);
    const auto it = recordings_.find(key);
    return it == recordings_.end() ? std::nullopt : std::optional(it->second);
  }
  int count(const std::string& e) const {
    const std::lock_guard lock(mutex_);
    return static_cast<int>(std::count(events_.begin(), events_.end(), e));
  }
  // The talking/silent events of `id` in order, each kind once per run ("talking,silent").
  std::string talkingChanges(ParticipantId id) const {
    const std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& e : events_) {
      const std::string kind = e.substr(0, e.find(':'));
      if ((kind == "talking" || kind == "silent") && e.substr(e.find(':') + 1) == id.text() &&
          !out.ends_with(kind)) {
        out += (out.empty() ? "" : ",") + kind;
      }
    }
    return out;
  }

 private:
  void add(std::string e) {
    const std::lock_guard lock(mutex_);
    events_.push_back(std::move(e));
  }
  mutable std::mutex mutex_;
  std::vector<std::string> events_;
  std::map<RecordingKey, RecordingEnd> recordings_;
};

class MediaEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = createMediaEngine({.threads = 2,
                                 .port_min = 30000,
                                 .port_max = 39999,
                                 .batched_io = batchedIo(),
                                 .spread_room_above = spreadRoomAbove(),
                                 .recording_min_free_bytes = recordingMinFreeBytes()},
                                &events_);
    ASSERT_TRUE(engine_->createRoom(1, room_config_));
  }
  test::RtpPeer& peer(const CodecSpec& spec, double hz, double amplitude = 8000.0) {
    peers_.push_back(std::make_unique<test::RtpPeer>(gst_, spec, hz, amplitude));
    return *peers_.back();
  }
  ParticipantId join(test::RtpPeer& p, const CodecSpec& spec, int ext_id = 0, RoomId room = 1,
                     std::optional<srtp::SrtpKeys> srtp = std::nullopt, int csrc_level_id = 0) {
    const ParticipantId id(next_id_++);
    MediaEndpoint endpoint;
    endpoint.srtp = std::move(srtp);
    endpoint.codec = spec;
    endpoint.remote = {"127.0.0.1", p.port()};
    endpoint.telephone_event_pt = 101;
    endpoint.audio_level_ext_id = ext_id;
    endpoint.csrc_level_ext_id = csrc_level_id;
    const auto port = engine_->addParticipant(room, id, endpoint, false);
    EXPECT_TRUE(port.has_value());
    p.setServerPort(port.value_or(0));
    return id;
  }
  // Statistics are published by the media thread every 200 ms: wait for a fresh copy.
  // A participant's statistics once `ready` holds for them, or the last ones seen after 10 s.
  // The engine publishes every 200 ms, later on a busy machine: a test waits for what it is
  // about to check instead of sleeping a fixed time.
  std::optional<ParticipantStats> publishedStats(
      ParticipantId id, const std::function<bool(const ParticipantStats&)>& ready) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    auto stats = engine_->stats(id);
    while ((!stats || !ready(*stats)) && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(10ms);
      stats = engine_->stats(id);
    }
    return stats;
  }
  // The same for the engine's statistics.
  EngineStats publishedEngineStats(const std::function<bool(const EngineStats&)>& ready) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    EngineStats stats = engine_->engineStats();
    while (!ready(stats) && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(10ms);
      stats = engine_->engineStats();
    }
    return stats;
  }
  // Runs 1.5 s of frames, at most 10 times, until one run had every frame sent on time (no
  // gap of this thread over 30 ms) and every tick on time; false if none did. A stalled
  // machine makes gaps no jitter buffer can hide, and they are not the engine's: a test that
  // judges continuity judges the last second of a clean run.
  bool runUntilClean(const std::vector<test::RtpPeer*>& peers) {
    for (int run = 0; run < 10; ++run) {
      const auto late_before = engine_->engineStats().late_ticks;
      const auto longest_gap = test::runFrames(peers, 75);
      // The engine's figures as published after the run: the next publication moves `ticks`.
      const auto ticks_at_end = engine_->engineStats().ticks;
      EXPECT_TRUE(test::eventually([&] { return engine_->engineStats().ticks > ticks_at_end; },
                                   std::chrono::seconds(5)));
      if (longest_gap <= std::chrono::milliseconds(30) &&
          engine_->engineStats().late_ticks == late_before) {
        return true;
      }
    }
    return false;
  }
  // Three Opus callers in room 1 sending 500, 800 and 1100 Hz.
  std::tuple<test::RtpPeer&, test::RtpPeer&, test::RtpPeer&> threeOpusCallers() {
    auto& a = peer(opus(), 500);
    auto& b = peer(opus(), 800);
    auto& c = peer(opus(), 1100);
    join(a, opus());
    join(b, opus());
    join(c, opus());
    return {a, b, c};
  }
  static double level(const test::RtpPeer& p, double hz, int ms = 1000) {
    return test::goertzelDb(p.lastAudio(ms), hz);
  }
  // The share of 20 ms frames, over the last `ms`, in which the tone is heard.
  static double shareOfFramesHeard(const test::RtpPeer& p, double hz, int ms = 1000) {
    const auto audio = p.lastAudio(ms);
    const std::array<double, 1> tone{hz};
    return test::framesHeard(audio, tone).share();
  }

  // The fixture's engine reads and sends through io_uring; MediaEngineEpollTest's does not.
  virtual bool batchedIo() const { return true; }
  // Rooms stay on one thread until this large (MediaEngineSpreadTest spreads every room).
  virtual std::size_t spreadRoomAbove() const { return 100; }
  virtual std::uint64_t recordingMinFreeBytes() const { return 0; }

  RoomMediaConfig room_config_;
  codec::GstPipelineHost gst_;
  RecordedEvents events_;
  std::unique_ptr<MediaEngine> engine_;
  std::vector<std::unique_ptr<test::RtpPeer>> peers_;
  std::uint32_t next_id_ = 1;
};

// The same engine with one syscall per packet (epoll): what a kernel or sandbox without
// io_uring, or media.batched_io = false, gets.
class MediaEngineEpollTest : public MediaEngineTest {
 protected:
  bool batchedIo() const override { return false; }
};

// Every room spreads over both media threads from its first member: members alternate
// between the room's home (first, third...) and the other thread.
class MediaEngineSpreadTest : public MediaEngineTest {
 protected:
  std::size_t spreadRoomAbove() const override { return 0; }
};

}  // namespace mcu::mixer
