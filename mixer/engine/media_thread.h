// One media thread: an epoll loop that owns a set of rooms, their participants' sockets, and
// the GStreamer pipeline their codec chains live in. It wakes on RTP, on its 20 ms timerfd
// (monotonic; every room it owns ticks then) and on posted commands, which run between ticks.
// The engine has a fixed number of these, whatever the number of rooms and participants.
// It is a Loop: timers (runAfter/runEvery) run on it between ticks, at the tick's granularity
// (20 ms), so periodic media work (statistics, reports) needs no clock reading of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "mcu/common/timed_loop.h"
#include "mixer/codec/chain_stock.h"
#include "mixer/codec/gst_push_chain.h"
#include "mixer/engine/media_types.h"
#include "mixer/engine/packet_io.h"
#include "mixer/engine/participant_stream.h"
#include "mixer/engine/realtime_guard.h"
#include "mixer/engine/room_mixer.h"
#include "mixer/engine/slow_tick_report.h"

namespace mcu::mixer {

struct ThreadStats {
  std::uint64_t ticks = 0;
  std::uint64_t late_ticks = 0;  // a timer expiry found more than one period elapsed
  double max_tick_ms = 0.0;      // longest time spent ticking all rooms once
  TickHistogram tick_ms{};       // how long ticks took (kTickBucketsMs)
  double tick_ms_sum = 0.0;
  // Batched I/O: the reads of what arrived, kReceiveLead before each tick (media_thread.cpp).
  std::uint64_t receives_ahead = 0;
  std::uint64_t received_ahead = 0;  // datagrams they read (the tick reads the others)
  double receive_ahead_ms_sum = 0.0;
  double max_receive_ahead_ms = 0.0;
  bool batched_io = false;           // packets go through io_uring (packet_io.h)
  bool realtime = false;             // runs under SCHED_FIFO (realtime_priority)
  std::uint64_t realtime_drops = 0;  // times it gave SCHED_FIFO up, overloaded (RealtimeGuard)
  PacketIoCounters io;               // its counters, when it does
  std::uint64_t shared_encodes = 0;
  std::uint64_t personal_encodes = 0;
  std::uint64_t late_parts = 0;              // ticks a room's part on another thread was late for
  std::uint64_t shard_parts = 0;             // parts of rooms whose home is another thread
  std::uint64_t chains_built_ahead = 0;      // codec chains built between ticks (ChainStock)
  std::uint64_t chains_built_on_demand = 0;  // ... and when one was needed, none spare
};

class MediaThread final : public TimedLoop {
 public:
  // `batched_io`: try io_uring for the participants' packets (falls back to epoll + one
  // syscall per packet when the kernel refuses it).
  // `epoch`: when tick 0 was, the same for every thread of the engine: their ticks fall at the
  // same instants and carry the same numbers, which the parts of a spread room go by.
  // `realtime_priority` > 0: the thread asks for SCHED_FIFO at that priority, so that other
  // work on the machine (a busy control thread, a database, a load generator) no longer
  // preempts a tick half-way; refused (no CAP_SYS_NICE nor RLIMIT_RTPRIO), it says so in the
  // log and runs as before.
  // `slow_tick_ms` > 0: a tick longer than that is written to the log with its phases
  // (slow_tick_report.h).
  MediaThread(int index, MediaEvents* events, bool batched_io = true,
              std::chrono::steady_clock::time_point epoch = std::chrono::steady_clock::now(),
              int realtime_priority = 0, double slow_tick_ms = 0);
  MediaThread(const MediaThread&) = delete;
  MediaThread& operator=(const MediaThread&) = delete;
  ~MediaThread() override;

  // Any thread. The task runs on the media thread, between ticks.
  void post(std::function<void()> task) override;
  // Set by the thread itself when it starts: not thread_, which its constructor may still be
  // assigning while the thread runs.
  bool isInThread() const { return std::this_thread::get_id() == thread_id_.load(); }
  bool isInLoopThread() const override { return isInThread(); }
  // Timers (runAfter, runEvery) run on the media thread after the tick that finds them due.
  // Any thread: the statistics as of the last publication (every 200 ms).
  std::optional<ParticipantStats> stats(ParticipantId id) const;
  ThreadStats threadStats() const;

  // Media thread only (from posted tasks).
  codec::GstPipelineHost& gst() { return *gst_; }
  // The encoders of this thread's rooms: chains in its GStreamer pipeline.
  codec::EncoderFactory encoderFactory();
  void addRoom(std::unique_ptr<RoomMixer> room);
  // The room's part on this thread, made (as a shard of `link`'s home) if there is none yet;
  // null if the room has ended.
  RoomMixer* roomPart(RoomId id, const std::shared_ptr<RoomLink>& link,
                      const RoomMediaConfig& config);
  void removeRoom(RoomId id);
  RoomMixer* room(RoomId id);
  void attach(RoomId room, std::unique_ptr<ParticipantStream> participant);
  void detach(ParticipantId id);
  ParticipantStream* participant(ParticipantId id);
  // The part of its room the participant is in on this thread; null for an unknown one.
  RoomMixer* roomOf(ParticipantId id);
  // A move: the participant leaves this thread with its sockets and controls.
  std::optional<ParticipantStream::Handover> detachForMove(ParticipantId id);
  // A participant on its way here (a move): commands for it wait until it is attached.
  void expect(ParticipantId id) { arriving_[id]; }
  void forget(ParticipantId id) { arriving_.erase(id); }
  bool arriving(ParticipantId id) const { return arriving_.contains(id); }
  // A re-INVITE's new media: applied now or once it arrives, its codec's chains stocked.
  void update(ParticipantId id, const MediaEndpoint& endpoint);
  // Runs `fn` on the participant now, or once it arrives; drops it for an unknown one.
  void withParticipant(ParticipantId id, const std::function<void(ParticipantStream&)>& fn);
  // Takes in what has already arrived for the participant (between ticks): its final
  // statistics then count every packet it sent before it was removed.
  void receiveArrived(ParticipantId id);

 private:
  void run();
  void runTasks();
  // The participant's sockets start (stop) being read: by the batched I/O, or by epoll.
  void listen(ParticipantStream& p);
  void stopListening(ParticipantStream& p);
  // Hands every datagram that arrived to its participant (batched I/O).
  void pollPackets();
  void dispatch(const PacketIo::Datagram& datagram);
  // Reads what arrived, shortly before the tick (receive_fd_ fired).
  void receiveAhead();
  // `fd`, a timerfd, fires every tick period from `first` on.
  static void startPeriodic(int fd, std::chrono::steady_clock::time_point first);
  // SCHED_FIFO at realtime_priority_, or a warning saying why not.
  void takeRealtimePriority();
  // Gives SCHED_FIFO up while the thread is overloaded, and takes it again once it is calm
  // (realtime_guard.h). Runs with the statistics, five times a second.
  void guardRealtime();
  void onTimer();
  // Every room part's three phases of tick `tick` (room_link.h).
  void tick(std::int64_t tick);
  // A shard part whose last member left goes (its room's home stops waiting for it).
  void dropIfEmptyShard(RoomMixer* part);
  void publishStats();

  int index_;
  MediaEvents* events_;
  std::chrono::steady_clock::time_point epoch_;
  std::int64_t last_tick_ = -1;
  bool want_batched_io_;
  int realtime_priority_;
  SlowTickReport slow_ticks_;
  bool realtime_ = false;
  RealtimeGuard realtime_guard_;
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  int wake_fd_ = -1;
  int receive_fd_ = -1;  // fires kReceiveLead before each tick (batched I/O only)
  std::atomic<bool> stopping_{false};
  std::mutex tasks_mutex_;
  std::deque<std::function<void()>> tasks_;
  // Owned by the media thread.
  std::unique_ptr<codec::GstPipelineHost> gst_;
  std::unique_ptr<codec::ChainStock> stock_;
  std::unique_ptr<PacketIo> io_;  // null: epoll and one syscall per packet
  std::map<RoomId, std::unique_ptr<RoomMixer>> rooms_;
  std::unordered_map<ParticipantId, std::pair<RoomMixer*, ParticipantStream*>> participants_;
  std::unordered_map<ParticipantId, std::vector<std::function<void()>>> arriving_;
  ThreadStats thread_stats_;
  // Published for other threads.
  mutable std::mutex stats_mutex_;
  std::unordered_map<ParticipantId, ParticipantStats> published_;
  ThreadStats published_thread_;
  std::atomic<std::thread::id> thread_id_{};
  std::thread thread_;
};

}  // namespace mcu::mixer
