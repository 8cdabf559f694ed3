// The engine's bookkeeping on the caller's side: which media thread owns which room and
// participant (guarded by one mutex, never held while media runs), and the posting of commands.
#include <algorithm>
#include <fstream>
#include <future>
#include <mutex>
#include <unordered_map>
#include <variant>
#include <vector>

#include "mixer/engine/media_engine.h"
#include "mixer/engine/media_thread.h"
#include "mixer/engine/port_allocator.h"

namespace mcu::mixer {
namespace {

class MediaEngineImpl final : public MediaEngine {
 public:
  MediaEngineImpl(const EngineConfig& config, MediaEvents* events)
      : events_(events),
        recorder_(std::make_unique<RecordingWriter>(
            RecordingWriter::Config{.min_free_bytes = config.recording_min_free_bytes,
                                    .sync_every = std::chrono::milliseconds(1000)},
            [this](RecordingKey key, const RecordingEnd& end) { recordingEnded(key, end); })),
        ports_(config.bind_host, config.port_min, config.port_max),
        spread_room_above_(config.spread_room_above) {
    const auto epoch = std::chrono::steady_clock::now();
    for (int i = 0; i < std::max(1, config.threads); ++i) {
      threads_.push_back(std::make_unique<MediaThread>(
          i, events, config.batched_io, epoch, config.realtime_priority, config.slow_tick_ms));
    }
  }

  // The media threads go first (their rooms hand their last frames to the writer), then the
  // writer finalises what is still open; nobody is told of those ends any more.
  ~MediaEngineImpl() override {
    {
      const std::lock_guard lock(mutex_);
      closing_ = true;
    }
    threads_.clear();
    recorder_.reset();
  }
  MediaEngineImpl(const MediaEngineImpl&) = delete;
  MediaEngineImpl& operator=(const MediaEngineImpl&) = delete;

  bool createRoom(RoomId room, const RoomMediaConfig& config) override {
    const std::lock_guard lock(mutex_);
    if (rooms_.contains(room)) {
      return false;
    }
    // The home thread is the one with the fewest rooms: a room starts on one thread, and only
    // a large one spreads (see place()).
    std::vector<int> load(threads_.size(), 0);
    for (const auto& [id, r] : rooms_) {
      ++load[r.home];
    }
    const auto index =
        static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    auto link = std::make_shared<RoomLink>(static_cast<int>(index));
    rooms_[room] = {.home = index,
                    .link = link,
                    .config = config,
                    .members = std::vector<std::size_t>(threads_.size(), 0)};
    MediaThread* thread = threads_[index].get();
    thread->post([thread, room, config, link, index] {
      thread->addRoom(std::make_unique<RoomMixer>(room, config, thread->encoderFactory(), link,
                                                  static_cast<int>(index)));
    });
    return true;
  }

  void destroyRoom(RoomId room) override {
    const std::lock_guard lock(mutex_);
    const auto it = rooms_.find(room);
    if (it == rooms_.end()) {
      return;
    }
    std::erase_if(participants_, [&](const auto& p) { return p.second.room == room; });
    it->second.link->close();
    rooms_.erase(it);
    // Its home and every shard it has.
    for (const auto& t : threads_) {
      MediaThread* thread = t.get();
      thread->post([thread, room] { thread->removeRoom(room); });
    }
  }

  void setMaxSpeakers(RoomId room, std::size_t k) override {
    const std::lock_guard lock(mutex_);
    const auto it = rooms_.find(room);
    if (it != rooms_.end()) {
      MediaThread* thread = threads_[it->second.home].get();
      thread->post([thread, room, k] {
        if (RoomMixer* r = thread->room(room)) {
          r->setMaxSpeakers(k);
        }
      });
    }
  }

  std::optional<std::uint16_t> addParticipant(RoomId room, ParticipantId id,
                                              const MediaEndpoint& endpoint, bool deaf) override {
    const std::lock_guard lock(mutex_);
    const auto it = rooms_.find(room);
    if (it == rooms_.end() || participants_.contains(id)) {
      return std::nullopt;
    }
    PortAllocator::Pair sockets = ports_.allocate();
    if (!sockets.rtp.valid()) {
      return std::nullopt;
    }
    const std::uint16_t port = sockets.rtp.localPort();
    const std::size_t index = place(it->second);
    participants_[id] = {room, index};
    MediaThread* thread = threads_[index].get();
    auto shared = std::make_shared<PortAllocator::Pair>(std::move(sockets));
    thread->post([thread, room, id, endpoint, deaf, shared, link = it->second.link,
                  config = it->second.config] {
      RoomMixer* r = thread->roomPart(room, link, config);
      if (r == nullptr) {
        return;
      }
      auto stream =
          std::make_unique<ParticipantStream>(id, std::move(shared->rtp), std::move(shared->rtcp),
                                              endpoint, r->config(), thread->gst());
      stream->setDeaf(deaf);
      thread->attach(room, std::move(stream));
    });
    return port;
  }

  void updateParticipant(ParticipantId id, const MediaEndpoint& endpoint) override {
    onThreadOf(id, [id, endpoint](MediaThread& thread) { thread.update(id, endpoint); });
  }

  void removeParticipant(ParticipantId id) override {
    const std::lock_guard lock(mutex_);
    const auto it = participants_.find(id);
    if (it == participants_.end()) {
      return;
    }
    MediaThread* thread = threads_[it->second.thread].get();
    leave(it->second);
    participants_.erase(it);
    thread->post([thread, id] { thread->detach(id); });
  }

  bool moveParticipant(ParticipantId id, RoomId to) override {
    const std::lock_guard lock(mutex_);
    const auto it = participants_.find(id);
    const auto target = rooms_.find(to);
    if (it == participants_.end() || target == rooms_.end()) {
      return false;
    }
    MediaThread* from = threads_[it->second.thread].get();
    leave(it->second);
    const std::size_t index = place(target->second);
    MediaThread* dest = threads_[index].get();
    it->second = {to, index};
    // Posted before anything else for this participant reaches `dest`, so later commands wait
    // for its arrival instead of being lost.
    dest->post([dest, id] { dest->expect(id); });
    from->post([from, dest, id, to, link = target->second.link, config = target->second.config] {
      auto handover = from->detachForMove(id);
      if (!handover) {
        dest->post([dest, id] { dest->forget(id); });
        return;
      }
      auto shared = std::make_shared<ParticipantStream::Handover>(std::move(*handover));
      dest->post([dest, id, to, shared, link, config] {
        RoomMixer* r = dest->roomPart(to, link, config);
        if (r == nullptr) {
          dest->forget(id);  // the room ended on the way
          return;
        }
        auto stream =
            std::make_unique<ParticipantStream>(id, std::move(shared->rtp), std::move(shared->rtcp),
                                                shared->endpoint, r->config(), dest->gst());
        stream->takeControls(*shared);
        dest->attach(to, std::move(stream));
      });
    });
    return true;
  }
  void removeParticipantWithStats(ParticipantId id,
                                  std::function<void(const ParticipantStats&)> done) override {
    const std::lock_guard lock(mutex_);
    const auto it = participants_.find(id);
    if (it == participants_.end()) {
      return;
    }
    MediaThread* thread = threads_[it->second.thread].get();
    leave(it->second);
    participants_.erase(it);
    thread->post([thread, id, done = std::move(done)] {
      if (thread->participant(id) == nullptr && !thread->arriving(id)) {
        done(ParticipantStats{});  // never attached: still, the record is closed
        return;
      }
      thread->receiveArrived(id);
      thread->withParticipant(id, [done](ParticipantStream& p) { done(p.stats()); });
      thread->detach(id);
    });
  }
  void setMute(ParticipantId id, bool muted) override {
    onParticipant(id, [muted](ParticipantStream& p) { p.setMuted(muted); });
  }
  void setDeaf(ParticipantId id, bool deaf) override {
    onParticipant(id, [deaf](ParticipantStream& p) { p.setDeaf(deaf); });
  }
  void setGains(ParticipantId id, float input, float output) override {
    onParticipant(id, [input, output](ParticipantStream& p) { p.setGains(input, output); });
  }

  bool playToRoom(RoomId room, Samples pcm, PlaybackId playback) override {
    return onRoom(room, [pcm, playback](RoomMixer& r) { r.queuePrompt(pcm, playback); }).ok();
  }

  bool playToParticipant(ParticipantId id, Samples pcm, PlaybackId playback) override {
    return onParticipant(id,
                         [pcm, playback](ParticipantStream& p) { p.queuePrompt(pcm, playback); });
  }

  bool setRoomMusic(RoomId room, Samples pcm, std::chrono::milliseconds delay) override {
    const std::int64_t frames = delay / core::kFrameDuration;
    return onRoom(room, [pcm, frames](RoomMixer& r) { r.setMusic(pcm, frames); }).ok();
  }

  void stopRoomPlayback(RoomId room, PlaybackId playback) override {
    static_cast<void>(onRoom(room, [playback](RoomMixer& r) { r.stopPrompt(playback); }));
  }

  void stopParticipantPlayback(ParticipantId id, PlaybackId playback) override {
    onParticipant(id, [playback](ParticipantStream& p) { p.stopPrompt(playback); });
  }

  Result<RecordingKey> startRecording(RoomId room, const std::string& path,
                                      RecordingFormat format) override {
    {
      const std::lock_guard lock(mutex_);
      if (!rooms_.contains(room)) {
        return Error{"no room " + std::to_string(room)};
      }
    }
    auto key = openRecording(path, format, {.room = room, .member = {}});
    if (!key) {
      return Error{key.error()};
    }
    const RecordingKey k = *key;
    RecordingWriter* writer = recorder_.get();
    // A room that ends between here and its thread running this never takes the file: the
    // writer is told, so the recording ends (and its row closes) instead of staying open.
    auto posted = onRoom(
        room, [writer, k, format](RoomMixer& r) { r.startRecording(*writer, k, format); },
        [writer, k] { writer->close(k, "room_ended"); });
    if (!posted) {
      recorder_->close(k, "room_ended");
      return Error{posted.error()};
    }
    return k;
  }

  void stopRecording(RoomId room) override {
    // A room that is gone records nothing: there is nothing to stop.
    static_cast<void>(onRoom(room, [](RoomMixer& r) { r.stopRecording("stopped"); }));
  }

  Result<RecordingKey> startParticipantRecording(ParticipantId id, const std::string& path,
                                                 RecordingFormat format) override {
    RoomId room = 0;
    {
      const std::lock_guard lock(mutex_);
      const auto it = participants_.find(id);
      if (it == participants_.end()) {
        return Error{"no participant " + id.text()};
      }
      room = it->second.room;
    }
    auto key = openRecording(path, format, {.room = room, .member = id});
    if (!key) {
      return Error{key.error()};
    }
    const RecordingKey k = *key;
    RecordingWriter* writer = recorder_.get();
    const bool posted = onThreadOf(id, [writer, k, format, id](MediaThread& thread) {
      if (RoomMixer* part = thread.roomOf(id)) {
        part->startMemberRecording(id, *writer, k, format);
      } else {
        writer->close(k, "participant_left");  // it left (or is moving) meanwhile
      }
    });
    if (!posted) {
      recorder_->close(k, "participant_left");
      return Error{"no participant " + id.text()};
    }
    return k;
  }

  void stopParticipantRecording(ParticipantId id) override {
    static_cast<void>(onThreadOf(id, [id](MediaThread& thread) {
      if (RoomMixer* room = thread.roomOf(id)) {
        room->stopMemberRecording(id, "stopped");
      }
    }));
  }

  bool finishRecordings(std::chrono::milliseconds timeout) override {
    // The rooms may push a frame or two more: the writer drops frames of an ended recording.
    return recorder_->finishAll("shutdown", timeout);
  }

  void sendDtmf(ParticipantId id, char digit) override {
    onParticipant(id, [digit](ParticipantStream& p) { p.queueDtmf(digit); });
  }

  std::optional<ParticipantStats> stats(ParticipantId id) const override {
    const MediaThread* thread = nullptr;
    {
      const std::lock_guard lock(mutex_);
      const auto it = participants_.find(id);
      if (it == participants_.end()) {
        return std::nullopt;
      }
      thread = threads_[it->second.thread].get();
    }
    return thread->stats(id);
  }

  bool flush(std::chrono::milliseconds timeout) override {
    std::vector<std::future<void>> done;
    for (const auto& t : threads_) {
      auto promise = std::make_shared<std::promise<void>>();
      done.push_back(promise->get_future());
      t->post([promise] { promise->set_value(); });
    }
    const auto until = std::chrono::steady_clock::now() + timeout;
    return std::all_of(done.begin(), done.end(), [until](std::future<void>& f) {
      return f.wait_until(until) == std::future_status::ready;
    });
  }
  EngineStats engineStats() const override {
    EngineStats total;
    for (const auto& t : threads_) {
      const ThreadStats s = t->threadStats();
      total.ticks += s.ticks;
      total.late_ticks += s.late_ticks;
      total.max_tick_ms = std::max(total.max_tick_ms, s.max_tick_ms);
      for (std::size_t i = 0; i < total.tick_ms.size(); ++i) {
        total.tick_ms[i] += s.tick_ms[i];
      }
      total.tick_ms_sum += s.tick_ms_sum;
      total.receives_ahead += s.receives_ahead;
      total.received_ahead += s.received_ahead;
      total.receive_ahead_ms_sum += s.receive_ahead_ms_sum;
      total.max_receive_ahead_ms = std::max(total.max_receive_ahead_ms, s.max_receive_ahead_ms);
      total.shared_encodes += s.shared_encodes;
      total.personal_encodes += s.personal_encodes;
      total.batched_threads += s.batched_io ? 1 : 0;
      total.realtime_threads += s.realtime ? 1 : 0;
      total.realtime_drops += s.realtime_drops;
      total.io_syscalls += s.io.enters;
      total.io_unbatched_sends += s.io.unbatched_sends;
      total.io_send_failed += s.io.send_failed;
      total.late_parts += s.late_parts;
      total.shard_parts += s.shard_parts;
      total.chains_built_ahead += s.chains_built_ahead;
      total.chains_built_on_demand += s.chains_built_on_demand;
    }
    return total;
  }

 private:
  struct Placement {
    RoomId room;
    std::size_t thread;
  };
  struct RoomPlacement {
    std::size_t home;
    std::shared_ptr<RoomLink> link;
    RoomMediaConfig config;
    std::vector<std::size_t> members;  // per media thread
  };

  // The thread a new member of `room` goes to: the home until the room is large, then the one
  // with the fewest of its members (the home on a tie), so a large room uses every core.
  std::size_t place(RoomPlacement& room) {
    std::size_t total = 0;
    for (const std::size_t n : room.members) {
      total += n;
    }
    std::size_t index = room.home;
    if (total >= spread_room_above_) {
      for (std::size_t i = 0; i < room.members.size(); ++i) {
        if (room.members[i] < room.members[index]) {
          index = i;
        }
      }
    }
    ++room.members[index];
    return index;
  }

  void leave(const Placement& p) {
    const auto it = rooms_.find(p.room);
    if (it != rooms_.end() && it->second.members[p.thread] > 0) {
      --it->second.members[p.thread];
    }
  }

  // Runs fn(the room's home part) on its thread; `gone` there instead if the room ended
  // since. An error if there is no such room now.
  template <typename Fn, typename Gone = void (*)()>
  Result<void> onRoom(
      RoomId room, Fn fn, Gone gone = [] {}) {
    const std::lock_guard lock(mutex_);
    const auto it = rooms_.find(room);
    if (it == rooms_.end()) {
      return Error{"no room " + std::to_string(room)};
    }
    MediaThread* thread = threads_[it->second.home].get();
    thread->post([thread, room, fn, gone] {
      if (RoomMixer* r = thread->room(room)) {
        fn(*r);
      } else {
        gone();
      }
    });
    return {};
  }

  template <typename Fn>
  bool onParticipant(ParticipantId id, Fn fn) {
    return onThreadOf(id, [id, fn](MediaThread& thread) { thread.withParticipant(id, fn); });
  }
  // Runs fn(its media thread) there; false for an unknown participant.
  template <typename Fn>
  bool onThreadOf(ParticipantId id, Fn fn) {
    const std::lock_guard lock(mutex_);
    const auto it = participants_.find(id);
    if (it == participants_.end()) {
      return false;
    }
    MediaThread* thread = threads_[it->second.thread].get();
    thread->post([thread, fn] { fn(*thread); });
    return true;
  }

  // What each running recording records: a room's mix, or one member's voice.
  struct Recorded {
    RoomId room = 0;
    ParticipantId member;  // none: the room's mix
  };
  // The file is created here, so that a bad path is reported to the caller at once; the
  // writer's thread then owns it.
  Result<RecordingKey> openRecording(const std::string& path, RecordingFormat format,
                                     const Recorded& what) {
    auto key = recorder_->open(path, format);
    if (key) {
      const std::lock_guard lock(mutex_);
      recordings_[*key] = what;
    }
    return key;
  }

  // The writer's thread: the room lets go of a recording that ended there (disk full), and
  // the conference is told.
  void recordingEnded(RecordingKey key, const RecordingEnd& end) {
    Recorded recorded;
    {
      const std::lock_guard lock(mutex_);
      const auto it = recordings_.find(key);
      if (closing_ || it == recordings_.end()) {
        return;
      }
      recorded = it->second;
      recordings_.erase(it);
    }
    if (recorded.member.valid()) {
      static_cast<void>(
          onThreadOf(recorded.member, [key, end, id = recorded.member](MediaThread& t) {
            if (RoomMixer* room = t.roomOf(id)) {
              room->stopMemberRecording(id, end.reason, key);
            }
          }));
    } else {
      static_cast<void>(
          onRoom(recorded.room, [key, end](RoomMixer& r) { r.stopRecording(end.reason, key); }));
    }
    if (events_ != nullptr) {
      events_->onRecordingEnded(recorded.room, key, end);
    }
  }

  MediaEvents* events_;  // Borrowed.
  // Declared before the threads: their rooms use it until they are gone.
  std::unique_ptr<RecordingWriter> recorder_;
  PortAllocator ports_;
  std::vector<std::unique_ptr<MediaThread>> threads_;
  mutable std::mutex mutex_;
  bool closing_ = false;
  std::unordered_map<RecordingKey, Recorded> recordings_;
  std::size_t spread_room_above_;
  std::unordered_map<RoomId, RoomPlacement> rooms_;
  std::unordered_map<ParticipantId, Placement> participants_;
};

}  // namespace

std::unique_ptr<MediaEngine> createMediaEngine(const EngineConfig& config, MediaEvents* events) {
  return std::make_unique<MediaEngineImpl>(config, events);
}

}  // namespace mcu::mixer
