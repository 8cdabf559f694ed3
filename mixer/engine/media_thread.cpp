#include "mixer/engine/media_thread.h"

#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <string>

#include "mcu/common/check.h"
#include "mcu/common/log.h"
#include "mixer/codec/codec_factory.h"
#include "mixer/codec/g711_law.h"

namespace mcu::mixer {
namespace {

constexpr std::uint64_t kTimerKey = ~0ULL;
constexpr std::uint64_t kWakeKey = ~0ULL - 1;
constexpr std::uint64_t kReceiveKey = ~0ULL - 2;
constexpr std::uint64_t kMaxCatchUpTicks = 5;
constexpr std::chrono::milliseconds kPublishEvery{200};
constexpr std::uint64_t kRtcpKeyBit = 1ULL << 32;  // epoll key of a participant's RTCP socket
// Posted work (joins, leaves, moves, controls) runs this long at most before a due tick.
constexpr auto kTaskSlice = std::chrono::milliseconds(2);
constexpr std::chrono::nanoseconds kTickPeriod = core::kFrameDuration;
// With batched I/O, what arrived is read this long before each tick, in a wake-up of its own,
// and the tick reads only what came after. Reading 20 ms of packets (0.6-1.4 ms for 500) was
// the largest part of a tick at 1,000 callers; read ahead, it no longer delays the mix and the
// sends: the mean tick went from 2.7-3.2 to 2.0-2.3 ms, and under SCHED_FIFO the ticks over
// 5 ms from 15 to 6 in 7 runs of 2,000 (sip_crowd, alternating binaries; server CPU within
// the runs' noise, +2 % on average). A packet that arrives in between is still read by the
// tick, so none waits longer than before. Long enough for the read to end before the tick.
constexpr std::chrono::nanoseconds kReceiveLead = std::chrono::milliseconds(3);
// How long into a tick the home of a spread room waits for its shards' levels, and a shard
// for the home's mix: past that, nobody waits more; a late shard's frames go into the next
// tick's mix, and a shard that missed the mix sends its members nothing this tick.
constexpr auto kGatherDeadline = std::chrono::milliseconds(8);
constexpr auto kRelayDeadline = std::chrono::milliseconds(14);
// Spare chains per codec configuration in use on the thread, for up to 8 configurations: a
// new talker takes a decoder and an encoder, and a room's first listener of a configuration
// an encoder; three of each cover two callers who start talking together in a new room
// (measured: with two, the third encoder was built on the tick).
constexpr std::size_t kSpareChains = 3;
constexpr std::size_t kStockCodecs = 8;

// How many times a timerfd fired since it was last read (0: not at all).
std::uint64_t takeExpirations(int fd) {
  std::uint64_t expirations = 0;
  return ::read(fd, &expirations, sizeof expirations) == sizeof expirations ? expirations : 0;
}

std::int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

MediaThread::MediaThread(int index, MediaEvents* events, bool batched_io,
                         std::chrono::steady_clock::time_point epoch, int realtime_priority,
                         double slow_tick_ms)
    : index_(index),
      events_(events),
      epoch_(epoch),
      want_batched_io_(batched_io),
      realtime_priority_(realtime_priority),
      slow_ticks_(index, slow_tick_ms) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  receive_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  MCU_CHECK(epoll_fd_ >= 0 && timer_fd_ >= 0 && wake_fd_ >= 0 && receive_fd_ >= 0);
  // Absolute, from the shared epoch (steady_clock is CLOCK_MONOTONIC): every thread ticks at
  // the same instants.
  startPeriodic(timer_fd_, epoch_ + kTickPeriod);
  for (const auto& [fd, key] : {std::pair{timer_fd_, kTimerKey}, std::pair{wake_fd_, kWakeKey},
                                std::pair{receive_fd_, kReceiveKey}}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = key;
    MCU_CHECK(::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0);
  }
  thread_ = std::thread([this] { run(); });
}

MediaThread::~MediaThread() {
  stopping_ = true;
  post([] {});
  thread_.join();
  ::close(epoll_fd_);
  ::close(timer_fd_);
  ::close(wake_fd_);
  ::close(receive_fd_);
}

void MediaThread::startPeriodic(int fd, std::chrono::steady_clock::time_point first) {
  const auto at = std::chrono::duration_cast<std::chrono::nanoseconds>(first.time_since_epoch());
  itimerspec period{};
  period.it_interval.tv_nsec = kTickPeriod.count();
  period.it_value.tv_sec = static_cast<time_t>(at.count() / 1'000'000'000);
  period.it_value.tv_nsec = static_cast<long>(at.count() % 1'000'000'000);
  MCU_CHECK(::timerfd_settime(fd, TFD_TIMER_ABSTIME, &period, nullptr) == 0);
}

void MediaThread::post(std::function<void()> task) {
  {
    const std::lock_guard lock(tasks_mutex_);
    tasks_.push_back(std::move(task));
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

std::optional<ParticipantStats> MediaThread::stats(ParticipantId id) const {
  const std::lock_guard lock(stats_mutex_);
  const auto it = published_.find(id);
  return it == published_.end() ? std::nullopt : std::optional(it->second);
}

ThreadStats MediaThread::threadStats() const {
  const std::lock_guard lock(stats_mutex_);
  return published_thread_;
}

void MediaThread::addRoom(std::unique_ptr<RoomMixer> room) {
  const RoomId id = room->id();
  rooms_[id] = std::move(room);
}

void MediaThread::removeRoom(RoomId id) {
  const auto it = rooms_.find(id);
  if (it == rooms_.end()) {
    return;
  }
  std::erase_if(participants_, [&](const auto& entry) {
    if (entry.second.first != it->second.get()) {
      return false;
    }
    stopListening(*entry.second.second);
    return true;
  });
  rooms_.erase(it);
}

RoomMixer* MediaThread::roomPart(RoomId id, const std::shared_ptr<RoomLink>& link,
                                 const RoomMediaConfig& config) {
  if (RoomMixer* part = room(id)) {
    return part;
  }
  if (link->closed()) {
    return nullptr;  // the room ended while a member was on its way here
  }
  auto part = std::make_unique<RoomMixer>(id, config, encoderFactory(), link, index_);
  link->join(index_, last_tick_ + 1);
  RoomMixer* raw = part.get();
  rooms_[id] = std::move(part);
  return raw;
}

codec::EncoderFactory MediaThread::encoderFactory() {
  return [gst = gst_.get()](const codec::CodecSpec& spec) -> std::unique_ptr<codec::FrameEncoder> {
    return codec::makeEncoder(*gst, spec);
  };
}

void MediaThread::dropIfEmptyShard(RoomMixer* part) {
  if (part->size() == 0 && !part->home()) {
    rooms_.erase(part->id());
  }
}

RoomMixer* MediaThread::room(RoomId id) {
  const auto it = rooms_.find(id);
  return it == rooms_.end() ? nullptr : it->second.get();
}

void MediaThread::attach(RoomId room_id, std::unique_ptr<ParticipantStream> participant) {
  MCU_DCHECK(isInThread());
  RoomMixer* target = room(room_id);
  if (target == nullptr) {
    log::warn("media", "attach_to_unknown_room").kv("room", static_cast<std::uint64_t>(room_id));
    return;
  }
  listen(*participant);
  stock_->want(participant->endpoint().codec);
  const ParticipantId id = participant->id();
  participants_[id] = {target, participant.get()};
  target->add(std::move(participant));
  const auto waiting = arriving_.find(id);
  if (waiting != arriving_.end()) {
    auto tasks = std::move(waiting->second);
    arriving_.erase(waiting);
    for (auto& task : tasks) {
      task();
    }
  }
}

void MediaThread::withParticipant(ParticipantId id,
                                  const std::function<void(ParticipantStream&)>& fn) {
  if (ParticipantStream* p = participant(id)) {
    fn(*p);
    return;
  }
  const auto waiting = arriving_.find(id);
  if (waiting != arriving_.end()) {
    waiting->second.push_back([this, id, fn] {
      if (ParticipantStream* p = participant(id)) {
        fn(*p);
      }
    });
  }
}

void MediaThread::update(ParticipantId id, const MediaEndpoint& endpoint) {
  stock_->want(endpoint.codec);
  withParticipant(id, [endpoint](ParticipantStream& p) { p.update(endpoint); });
}

std::optional<ParticipantStream::Handover> MediaThread::detachForMove(ParticipantId id) {
  const auto it = participants_.find(id);
  if (it == participants_.end()) {
    return std::nullopt;
  }
  stopListening(*it->second.second);
  auto handover = it->second.second->handOver();
  RoomMixer* part = it->second.first;
  part->remove(id);
  participants_.erase(it);
  dropIfEmptyShard(part);
  const std::lock_guard lock(stats_mutex_);
  published_.erase(id);
  return handover;
}

void MediaThread::detach(ParticipantId id) {
  MCU_DCHECK(isInThread());
  const auto it = participants_.find(id);
  if (it == participants_.end()) {
    // Removed while moving here: it is not to arrive.
    const auto waiting = arriving_.find(id);
    if (waiting != arriving_.end()) {
      waiting->second.push_back([this, id] { detach(id); });
    }
    return;
  }
  stopListening(*it->second.second);
  RoomMixer* part = it->second.first;
  part->remove(id);  // the stream (and its socket) is destroyed here
  participants_.erase(it);
  dropIfEmptyShard(part);
  const std::lock_guard lock(stats_mutex_);
  published_.erase(id);
}

void MediaThread::receiveArrived(ParticipantId id) {
  MCU_DCHECK(isInThread());
  if (io_) {
    pollPackets();  // every socket's, in one
  } else if (ParticipantStream* p = participant(id)) {
    p->receive(nowUs(), events_);
  }
}

void MediaThread::listen(ParticipantStream& p) {
  p.setPacketIo(io_.get());
  if (io_) {
    io_->watch(p.fd(), p.id().value(), &p);
    io_->watch(p.rtcpFd(), kRtcpKeyBit | p.id().value(), &p);
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = p.id().value();
  MCU_CHECK(::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, p.fd(), &ev) == 0);
  ev.data.u64 = kRtcpKeyBit | p.id().value();
  MCU_CHECK(::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, p.rtcpFd(), &ev) == 0);
}

void MediaThread::stopListening(ParticipantStream& p) {
  if (io_) {
    io_->unwatch(p.id().value());
    io_->unwatch(kRtcpKeyBit | p.id().value());
    return;
  }
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, p.fd(), nullptr);
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, p.rtcpFd(), nullptr);
}

void MediaThread::pollPackets() {
  io_->poll(
      [this](const PacketIo::Datagram& d) { dispatch(d); },
      [](const void* context) { static_cast<const ParticipantStream*>(context)->prefetch(); });
}

void MediaThread::dispatch(const PacketIo::Datagram& datagram) {
  // The watch's context: a participant that left was unwatched first, so its datagrams are
  // not handed over.
  auto* p = static_cast<ParticipantStream*>(datagram.context);
  if ((datagram.key & kRtcpKeyBit) != 0) {
    p->onRtcpDatagram(datagram.data, datagram.from, datagram.arrival_us);
  } else {
    p->onDatagram(datagram.data, datagram.from, datagram.arrival_us, events_);
  }
}

ParticipantStream* MediaThread::participant(ParticipantId id) {
  const auto it = participants_.find(id);
  return it == participants_.end() ? nullptr : it->second.second;
}

RoomMixer* MediaThread::roomOf(ParticipantId id) {
  const auto it = participants_.find(id);
  return it == participants_.end() ? nullptr : it->second.first;
}

void MediaThread::receiveAhead() {
  MCU_DCHECK(io_ != nullptr);  // receive_fd_ is armed only then
  const auto started = std::chrono::steady_clock::now();
  const std::uint64_t received = io_->counters().received;
  pollPackets();
  thread_stats_.received_ahead += io_->counters().received - received;
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  ++thread_stats_.receives_ahead;
  thread_stats_.receive_ahead_ms_sum += ms;
  thread_stats_.max_receive_ahead_ms = std::max(thread_stats_.max_receive_ahead_ms, ms);
}

void MediaThread::runTasks() {
  std::uint64_t count = 0;
  [[maybe_unused]] const auto n = ::read(wake_fd_, &count, sizeof count);
  std::deque<std::function<void()>> batch;
  {
    const std::lock_guard lock(tasks_mutex_);
    batch.swap(tasks_);
  }
  // A slice at a time: a burst of joins or leaves (a thousand in a second) queued here held
  // the next tick for 1.35 s, and every caller of every room on the thread lost that audio.
  // What is left waits, in order, for the next wake-up, which the tick goes before when due.
  const auto deadline = std::chrono::steady_clock::now() + kTaskSlice;
  while (!batch.empty()) {
    auto task = std::move(batch.front());
    batch.pop_front();
    task();
    if (!batch.empty() && !stopping_ && std::chrono::steady_clock::now() >= deadline) {
      {
        const std::lock_guard lock(tasks_mutex_);
        tasks_.insert(tasks_.begin(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
      }
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto w = ::write(wake_fd_, &one, sizeof one);
      return;
    }
  }
}

void MediaThread::onTimer() {
  const std::uint64_t expirations = takeExpirations(timer_fd_);
  if (expirations == 0) {
    return;
  }
  if (expirations > 1) {
    thread_stats_.late_ticks += expirations - 1;
  }
  // Catch up (a little) rather than skip: skipped ticks would be gaps in every outgoing stream.
  // The numbers come from the clock, so that every thread gives a tick the same one.
  const std::int64_t due = (std::chrono::steady_clock::now() - epoch_) / kTickPeriod;
  const auto catch_up = static_cast<std::int64_t>(std::min(expirations, kMaxCatchUpTicks));
  for (std::int64_t t = std::max(last_tick_ + 1, due - catch_up + 1); t <= due; ++t) {
    const auto started = std::chrono::steady_clock::now();
    slow_ticks_.start(started, epoch_ + t * kTickPeriod);
    tick(t);
    last_tick_ = t;
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    slow_ticks_.finish(ms);
    thread_stats_.max_tick_ms = std::max(thread_stats_.max_tick_ms, ms);
    const auto bucket = std::lower_bound(kTickBucketsMs.begin(), kTickBucketsMs.end(), ms);
    ++thread_stats_.tick_ms[static_cast<std::size_t>(bucket - kTickBucketsMs.begin())];
    thread_stats_.tick_ms_sum += ms;
    ++thread_stats_.ticks;
  }
  runDueTimers(std::chrono::steady_clock::now());
  stock_->fillUntil(epoch_ + (last_tick_ + 1) * kTickPeriod);  // between ticks
}

void MediaThread::tick(std::int64_t tick) {
  if (io_) {
    // Everything that arrived since the last tick, stamped with its arrival time by the
    // kernel: the jitter buffers see the same as if each packet had been read on arrival.
    pollPackets();
  }
  slow_ticks_.mark(SlowTickReport::Phase::kPoll);
  const std::int64_t now = nowUs();
  // Phase 1 of every part before any waits: a wait is only ever for an earlier phase.
  for (auto& [id, room] : rooms_) {
    room->pull(tick, now, events_);
  }
  slow_ticks_.mark(SlowTickReport::Phase::kPull);
  const auto tick_time = epoch_ + tick * kTickPeriod;
  for (auto& [id, room] : rooms_) {
    if (room->home()) {
      if (!room->mix(tick, tick_time + kGatherDeadline, events_)) {
        ++thread_stats_.late_parts;
      }
    }
  }
  slow_ticks_.mark(SlowTickReport::Phase::kMix);
  for (auto& [id, room] : rooms_) {
    if (!room->home()) {
      if (!room->relay(tick, tick_time + kRelayDeadline, events_)) {
        ++thread_stats_.late_parts;
      }
    }
  }
  slow_ticks_.mark(SlowTickReport::Phase::kRelay);
  if (io_) {
    io_->flush();  // the tick's packets, all rooms, one syscall
  }
  slow_ticks_.mark(SlowTickReport::Phase::kFlush);
}

void MediaThread::publishStats() {
  thread_stats_.shared_encodes = 0;
  thread_stats_.personal_encodes = 0;
  thread_stats_.shard_parts = 0;
  thread_stats_.chains_built_ahead = stock_->built();
  thread_stats_.chains_built_on_demand = gst_->built() - stock_->built();
  for (const auto& [id, room] : rooms_) {
    thread_stats_.shard_parts += room->home() ? 0U : 1U;
    thread_stats_.shared_encodes += room->counters().shared_encodes;
    thread_stats_.personal_encodes += room->counters().personal_encodes;
  }
  const std::lock_guard lock(stats_mutex_);
  for (const auto& [id, entry] : participants_) {
    published_[id] = entry.second->stats();
  }
  published_thread_ = thread_stats_;
  published_thread_.batched_io = io_ != nullptr;
  published_thread_.realtime = realtime_;
  if (io_) {
    published_thread_.io = io_->counters();
  }
}

void MediaThread::takeRealtimePriority() {
  sched_param param{};
  param.sched_priority = realtime_priority_;
  const int error = ::pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
  realtime_ = error == 0;
  if (realtime_) {
    log::info("media", "media_thread_realtime")
        .kv("index", index_)
        .kv("priority", realtime_priority_);
    return;
  }
  log::warn("media", "media_realtime_refused")
      .kv("index", index_)
      .kv("priority", realtime_priority_)
      .kv("error", std::strerror(error))
      .kv("detail",
          "SCHED_FIFO needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least the priority "
          "(systemd: LimitRTPRIO=); the thread runs under the normal scheduler");
}

void MediaThread::guardRealtime() {
  if (realtime_priority_ <= 0) {
    return;
  }
  timespec cpu{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
  const auto action = realtime_guard_.observe(
      std::chrono::steady_clock::now().time_since_epoch(),
      std::chrono::seconds(cpu.tv_sec) + std::chrono::nanoseconds(cpu.tv_nsec), realtime_);
  if (action == RealtimeGuard::Action::kDrop) {
    const sched_param normal{};
    realtime_ = ::pthread_setschedparam(pthread_self(), SCHED_OTHER, &normal) != 0;
    ++thread_stats_.realtime_drops;
    log::warn("media", "media_realtime_dropped")
        .kv("index", index_)
        .kv("cpu_percent", static_cast<std::int64_t>(realtime_guard_.lastShare() * 100.0))
        .kv("detail",
            "the thread used more of its core than a media thread should; it runs under the "
            "normal scheduler, so that SIP, HTTP and the database keep theirs, until it is "
            "calm again");
  } else if (action == RealtimeGuard::Action::kResume) {
    takeRealtimePriority();
  }
}

void MediaThread::run() {
  thread_id_ = std::this_thread::get_id();
  // Named so operators (top -H, perf) and the load benchmark can tell media threads apart.
  const std::string name = "mcu-media-" + std::to_string(index_);
  pthread_setname_np(pthread_self(), name.c_str());
  if (realtime_priority_ > 0) {
    takeRealtimePriority();
  }
  gst_ = std::make_unique<codec::GstPipelineHost>();
  stock_ = std::make_unique<codec::ChainStock>(*gst_, kSpareChains, kStockCodecs);
  codec::warmG711Tables();
  if (want_batched_io_) {
    io_ = PacketIo::create();  // here: the ring belongs to the thread that submits to it
  }
  if (io_) {
    // Without io_uring each packet is read as it arrives: nothing is left to read ahead.
    startPeriodic(receive_fd_, epoch_ + kTickPeriod - kReceiveLead);
  }
  // Statistics for other threads (REST, /metrics, the call records), five times a second.
  runEvery(kPublishEvery, [this] {
    guardRealtime();
    publishStats();
  });
  std::array<epoll_event, 64> events{};
  while (!stopping_) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
    bool timer = false;
    bool receive = false;
    for (int i = 0; i < n; ++i) {
      const std::uint64_t key = events[static_cast<std::size_t>(i)].data.u64;
      if (key == kTimerKey) {
        timer = true;
      } else if (key == kReceiveKey) {
        receive = takeExpirations(receive_fd_) > 0;
      } else if (key == kWakeKey) {
        runTasks();
      } else if (ParticipantStream* p =
                     participant(ParticipantId(static_cast<std::uint32_t>(key)))) {
        if ((key & kRtcpKeyBit) != 0) {
          p->receiveRtcp(nowUs());
        } else {
          p->receive(nowUs(), events_);
        }
      }
    }
    // Due with a tick (a late wake-up), the read ahead is left to the tick's own.
    if (receive && !timer) {
      receiveAhead();
    }
    // The tick after the packets that woke us with it: a packet that came just before the
    // tick plays in it. Ticking first made it late, and the jitter buffer, taking it for
    // network jitter, grew its delay a frame at a time (about 60 ms more, measured).
    if (timer) {
      onTimer();
    }
  }
  runTasks();
  rooms_.clear();
  participants_.clear();
  io_.reset();
  stock_.reset();
  gst_.reset();
  log::debug("media", "media_thread_stopped").kv("index", index_);
}

}  // namespace mcu::mixer
