#include "mixer/engine/packet_io.h"

#include <liburing.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <optional>
#include <unordered_map>
#include <vector>

#include "mcu/common/log.h"
#include "mixer/rtp/rtp_packet.h"
#include "mixer/srtp/srtp_keys.h"

namespace mcu::mixer {
namespace {

constexpr unsigned kSqEntries = 1024;
constexpr unsigned kCqEntries = 16384;
// Receive buffers: a tick's worth of packets for a few thousand sockets. When they run out a
// socket's multishot receive ends (ENOBUFS) with its packets still in the socket's own buffer;
// poll() arms it again and goes round once more, so that costs a syscall, not a packet.
constexpr unsigned kRecvBuffers = 4096;  // a power of two
constexpr unsigned kRecvBufferSize = 2048;
constexpr int kBufferGroup = 1;
constexpr int kMaxPollRounds = 8;
// Send slots grow on demand up to this; past it a packet goes out with sendto.
constexpr std::size_t kMaxSendSlots = 8192;
// The ring's registered file table: watched sockets are entered in it (at their watch's
// index), and their receives and sends name it instead of a descriptor. A descriptor makes the
// kernel look the file up and take and drop a reference on every operation (fget, fput): 3 %
// of the server at 1,000 callers (perf, from outside), one cache miss per packet sent. Sized
// by RLIMIT_NOFILE (the kernel refuses a table past it); a watch past it uses its descriptor.
constexpr unsigned kMaxFixedFiles = 16384;
// ... from this many, made (and their pages touched) when the ring is: a tick's sends for 1,000
// callers on one thread. Grown on demand during a burst of joins, their first touches were
// page faults on the ticks (about 250 a tick, getrusage around the tick).
constexpr std::size_t kFirstSendSlots = 1024;
constexpr std::size_t kSendBytes = rtp::kMaxRtpPacket + srtp::kSrtpMaxOverhead;

// user_data of a completion: a send (tag | slot), a cancellation, or a receive (the index of
// its watch, with the watch's generation above: a completion of an earlier watch at the same
// index, e.g. a participant that left or moved away, is told from the current one).
constexpr std::uint64_t kSendTag = 1ULL << 62;
constexpr std::uint64_t kCancelTag = 1ULL << 61;
constexpr int kGenerationShift = 32;
constexpr std::uint32_t kGenerationMask = (1U << 28) - 1;  // below the tags
constexpr std::uint64_t kIndexMask = (1ULL << kGenerationShift) - 1;
// How many datagrams ahead the caller's state is prefetched: handling one takes 1-2 us, a
// cache miss about 0.1 us.
constexpr std::size_t kPrefetchAhead = 4;

std::int64_t steadyUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t realtimeUs() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

struct SendSlot {
  msghdr msg{};
  iovec iov{};
  Endpoint to;
  std::array<std::uint8_t, kSendBytes> data;
};

class UringPacketIo final : public PacketIo {
 public:
  UringPacketIo() = default;
  UringPacketIo(const UringPacketIo&) = delete;
  UringPacketIo& operator=(const UringPacketIo&) = delete;
  ~UringPacketIo() override {
    if (ring_ready_) {
      if (buf_ring_ != nullptr) {
        io_uring_unregister_buf_ring(&ring_, kBufferGroup);
      }
      io_uring_queue_exit(&ring_);
    }
    if (buf_ring_ != nullptr) {
      ::munmap(buf_ring_, ringBytes());
    }
    if (buffers_ != nullptr) {
      ::munmap(buffers_, static_cast<std::size_t>(kRecvBuffers) * kRecvBufferSize);
    }
  }

  bool init() {
    io_uring_params params{};
    params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    params.cq_entries = kCqEntries;
    if (io_uring_queue_init_params(kSqEntries, &ring_, &params) != 0) {
      return false;
    }
    ring_ready_ = true;
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0) {
      const auto size = static_cast<unsigned>(std::min<rlim_t>(files.rlim_cur, kMaxFixedFiles));
      fixed_files_ = io_uring_register_files_sparse(&ring_, size) == 0 ? size : 0;
    }
    // Populated now: the kernel fills the buffers in ring order, and left to fault in, the
    // first lap of 8 MB did so on the ticks, 260-800 page faults per tick for the first ticks
    // after 1,000 callers joined (2-3 ms each tick; getrusage around the tick).
    constexpr int kFlags = MAP_ANONYMOUS | MAP_PRIVATE | MAP_POPULATE;
    buf_ring_ = static_cast<io_uring_buf_ring*>(
        ::mmap(nullptr, ringBytes(), PROT_READ | PROT_WRITE, kFlags, -1, 0));
    buffers_ = static_cast<std::uint8_t*>(
        ::mmap(nullptr, static_cast<std::size_t>(kRecvBuffers) * kRecvBufferSize,
               PROT_READ | PROT_WRITE, kFlags, -1, 0));
    if (buf_ring_ == MAP_FAILED || buffers_ == MAP_FAILED) {
      buf_ring_ = nullptr;
      buffers_ = nullptr;
      return false;
    }
    io_uring_buf_ring_init(buf_ring_);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(buf_ring_);
    reg.ring_entries = kRecvBuffers;
    reg.bgid = kBufferGroup;
    if (io_uring_register_buf_ring(&ring_, &reg, 0) != 0) {
      ::munmap(buf_ring_, ringBytes());
      buf_ring_ = nullptr;
      return false;
    }
    for (unsigned i = 0; i < kRecvBuffers; ++i) {
      giveBack(static_cast<unsigned short>(i), static_cast<int>(i));
    }
    io_uring_buf_ring_advance(buf_ring_, static_cast<int>(kRecvBuffers));
    // The layout every multishot receive writes: name, then the timestamp, then the payload.
    template_.msg_namelen = sizeof(sockaddr_storage);
    template_.msg_controllen = CMSG_SPACE(sizeof(timespec));
    slots_.reserve(kFirstSendSlots);
    for (std::size_t i = 0; i < kFirstSendSlots; ++i) {
      slots_.push_back(std::make_unique<SendSlot>());  // zeroed: its pages are touched now
      free_slots_.push_back(kFirstSendSlots - 1 - i);  // taken from the back: slot 0 first
    }
    return true;
  }

  void watch(int fd, std::uint64_t key, void* context) override {
    unwatch(key);
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    std::uint32_t index = 0;
    if (free_watches_.empty()) {
      index = static_cast<std::uint32_t>(watches_.size());
      watches_.emplace_back();
    } else {
      index = free_watches_.back();
      free_watches_.pop_back();
    }
    generation_ = (generation_ % kGenerationMask) + 1;  // never 0, which marks a free watch
    int fixed = -1;
    if (index < fixed_files_ && io_uring_register_files_update(&ring_, index, &fd, 1) == 1) {
      fixed = static_cast<int>(index);
      if (static_cast<std::size_t>(fd) >= fixed_of_fd_.size()) {
        fixed_of_fd_.resize(static_cast<std::size_t>(fd) + 1, -1);
      }
      fixed_of_fd_[static_cast<std::size_t>(fd)] = fixed;
    }
    watches_[index] = Watch{fd, key, context, generation_, fixed};
    watch_of_[key] = index;
    arm(watches_[index], tagOf(index));
  }

  void unwatch(std::uint64_t key) override {
    const auto found = watch_of_.find(key);
    if (found == watch_of_.end()) {
      return;
    }
    const std::uint32_t index = found->second;
    watch_of_.erase(found);
    const std::uint64_t tagged = tagOf(index);
    const Watch gone = watches_[index];
    watches_[index] = Watch{};
    free_watches_.push_back(index);
    io_uring_sqe* sqe = nextSqe();
    io_uring_prep_cancel64(sqe, tagged, 0);
    io_uring_sqe_set_data64(sqe, kCancelTag);
    submit();  // now: the socket is closed right after, and the request holds a reference
    if (gone.fixed >= 0) {
      // Out of the table, which held a reference of its own: else closing the socket would
      // leave it open (and its port bound) for as long as the ring lives.
      const int none = -1;
      io_uring_register_files_update(&ring_, static_cast<unsigned>(gone.fixed), &none, 1);
      fixed_of_fd_[static_cast<std::size_t>(gone.fd)] = -1;
    }
  }

  void send(const UdpSocket& from, std::span<const std::uint8_t> data,
            const Endpoint& to) override {
    if (data.size() > kSendBytes) {
      ++counters_.send_failed;
      return;
    }
    const auto slot = freeSlot();
    if (!slot) {
      ++counters_.unbatched_sends;
      from.send(data, to);
      return;
    }
    SendSlot& s = *slots_[*slot];
    std::memcpy(s.data.data(), data.data(), data.size());
    s.to = to;
    s.iov = {s.data.data(), data.size()};
    s.msg = {};
    s.msg.msg_name = &s.to.addr;
    s.msg.msg_namelen = s.to.len;
    s.msg.msg_iov = &s.iov;
    s.msg.msg_iovlen = 1;
    io_uring_sqe* sqe = nextSqe();
    // MSG_DONTWAIT: a full socket buffer drops the packet, as sendto did; io_uring would
    // otherwise hold the slot and wait for room.
    const int fd = from.fd();
    const int fixed = static_cast<std::size_t>(fd) < fixed_of_fd_.size()
                          ? fixed_of_fd_[static_cast<std::size_t>(fd)]
                          : -1;
    io_uring_prep_sendmsg(sqe, fixed >= 0 ? fixed : fd, &s.msg, MSG_DONTWAIT);
    if (fixed >= 0) {
      sqe->flags |= IOSQE_FIXED_FILE;
      ++counters_.fixed_file_sends;
    }
    io_uring_sqe_set_data64(sqe, kSendTag | *slot);
    ++queued_;
  }

  void flush() override {
    if (queued_ > 0) {
      submit();
    }
  }

  void poll(const Receiver& fn, Prefetch prefetch) override {
    const std::int64_t real_to_steady = steadyUs() - realtimeUs();
    bool recovering = false;
    for (int round = 0; round < kMaxPollRounds; ++round) {
      if (queued_ > 0) {
        submit();  // receives armed again
      }
      runDeferredWork();
      const Reaped reaped = reap();
      deliverArrived(fn, prefetch, real_to_steady);
      // Done unless a receive ran out of buffers: armed again, it reads one datagram at once
      // and the rest on the next enter, so go round while that brings more.
      recovering = reaped.starved || (recovering && reaped.delivered > 0);
      if (!recovering) {
        return;
      }
    }
  }

  const PacketIoCounters& counters() const override { return counters_; }

 private:
  static std::size_t ringBytes() { return sizeof(io_uring_buf) * kRecvBuffers; }

  void giveBack(unsigned short bid, int offset) {
    io_uring_buf_ring_add(buf_ring_, buffers_ + static_cast<std::size_t>(bid) * kRecvBufferSize,
                          kRecvBufferSize, bid, io_uring_buf_ring_mask(kRecvBuffers), offset);
  }

  io_uring_sqe* nextSqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
      submit();  // the submission queue is full: hand it to the kernel and go on
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  // Runs the deferred receive work: every watched socket's waiting packets land now, in one
  // syscall. Linux 6.13+ runs at most max(20, min_complete) deferred items per enter (20
  // sockets: measured, 20 of 500 datagrams per enter), so it is asked for more completions
  // than there can be sockets, with a zero timeout so it never sleeps for them.
  void runDeferredWork() {
    __kernel_timespec zero{};
    io_uring_getevents_arg arg{};
    arg.sigmask_sz = _NSIG / 8;
    arg.ts = reinterpret_cast<std::uint64_t>(&zero);
    ++counters_.enters;
    io_uring_enter2(static_cast<unsigned>(ring_.ring_fd), 0, kCqEntries,
                    IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
                    reinterpret_cast<sigset_t*>(&arg), sizeof arg);
  }

  void submit() {
    ++counters_.enters;
    io_uring_submit(&ring_);
    queued_ = 0;
  }

  std::optional<std::size_t> freeSlot() {
    if (!free_slots_.empty()) {
      const std::size_t slot = free_slots_.back();
      free_slots_.pop_back();
      return slot;
    }
    if (slots_.size() >= kMaxSendSlots) {
      return std::nullopt;
    }
    slots_.push_back(std::make_unique<SendSlot>());
    return slots_.size() - 1;
  }

  struct Watch {
    int fd = -1;
    std::uint64_t key = 0;
    void* context = nullptr;
    std::uint32_t generation = 0;  // 0: free
    int fixed = -1;                // its index in the registered file table, if entered
  };

  void arm(const Watch& watch, std::uint64_t key) {
    io_uring_sqe* sqe = nextSqe();
    io_uring_prep_recvmsg_multishot(sqe, watch.fixed >= 0 ? watch.fixed : watch.fd, &template_, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    if (watch.fixed >= 0) {
      sqe->flags |= IOSQE_FIXED_FILE;
    }
    sqe->buf_group = kBufferGroup;
    io_uring_sqe_set_data64(sqe, key);
    ++queued_;
  }

  std::uint64_t tagOf(std::uint32_t index) const {
    return index | (std::uint64_t{watches_[index].generation} << kGenerationShift);
  }
  // The watch a receive's completion belongs to, if it is still the current one.
  const Watch* current(std::uint64_t data) const {
    const auto index = static_cast<std::size_t>(data & kIndexMask);
    const auto generation = static_cast<std::uint32_t>(data >> kGenerationShift);
    if (index >= watches_.size() || watches_[index].generation != generation || generation == 0) {
      return nullptr;
    }
    return &watches_[index];
  }

  // A datagram reaped, to hand over once every completion has been seen.
  struct Arrived {
    std::uint64_t data;
    unsigned short bid;
    int length;
  };

  struct Reaped {
    bool starved = false;       // a receive ended for want of buffers and was armed again
    std::size_t delivered = 0;  // datagrams of current watches, to hand over
  };
  // Handles every completion; the datagrams wait in arrived_ for deliverArrived().
  Reaped reap() {
    Reaped reaped;
    unsigned head = 0;
    unsigned seen = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      const std::uint64_t data = io_uring_cqe_get_data64(cqe);
      if ((data & kSendTag) != 0) {
        const auto slot = static_cast<std::size_t>(data & ~kSendTag);
        free_slots_.push_back(slot);
        ++(cqe->res >= 0 ? counters_.sent : counters_.send_failed);
        continue;
      }
      if ((data & kCancelTag) != 0) {
        continue;
      }
      const Watch* watch = current(data);
      if ((cqe->flags & IORING_CQE_F_BUFFER) != 0) {
        const auto bid = static_cast<unsigned short>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
        if (cqe->res > 0 && watch != nullptr) {
          arrived_.push_back(Arrived{data, bid, cqe->res});
          ++reaped.delivered;
        } else {
          giveBack(bid, returned_++);
        }
      }
      if ((cqe->flags & IORING_CQE_F_MORE) == 0 && watch != nullptr) {
        // The multishot receive ended: out of buffers, or an error on the socket.
        ++counters_.rearms;
        arm(*watch, data);
        reaped.starved = true;
      }
    }
    io_uring_cq_advance(&ring_, seen);
    return reaped;
  }

  // Hands over what reap() found, prefetching a few ahead, and gives the buffers back.
  void deliverArrived(const Receiver& fn, Prefetch prefetch, std::int64_t real_to_steady) {
    for (std::size_t i = 0; i < arrived_.size(); ++i) {
      if (i + kPrefetchAhead < arrived_.size()) {
        const Arrived& ahead = arrived_[i + kPrefetchAhead];
        __builtin_prefetch(bufferOf(ahead.bid));
        const Watch* watch = current(ahead.data);
        if (prefetch != nullptr && watch != nullptr) {
          prefetch(watch->context);
        }
      }
      const Arrived& a = arrived_[i];
      // Checked again: handing over an earlier datagram may have unwatched this one's key.
      if (const Watch* watch = current(a.data)) {
        deliver(*watch, a.bid, a.length, fn, real_to_steady);
      }
      giveBack(a.bid, returned_++);
    }
    arrived_.clear();
    if (returned_ > 0) {
      io_uring_buf_ring_advance(buf_ring_, returned_);
      returned_ = 0;
    }
  }

  std::uint8_t* bufferOf(unsigned short bid) const {
    return buffers_ + static_cast<std::size_t>(bid) * kRecvBufferSize;
  }

  void deliver(const Watch& watch, unsigned short bid, int length, const Receiver& fn,
               std::int64_t real_to_steady) {
    std::uint8_t* buffer = bufferOf(bid);
    io_uring_recvmsg_out* out = io_uring_recvmsg_validate(buffer, length, &template_);
    if (out == nullptr) {
      return;
    }
    if ((out->flags & MSG_TRUNC) != 0) {
      ++counters_.truncated;
      return;
    }
    Endpoint from;
    const auto name_len = std::min<std::size_t>(out->namelen, sizeof from.addr);
    std::memcpy(&from.addr, io_uring_recvmsg_name(out), name_len);
    from.len = static_cast<socklen_t>(name_len);
    std::int64_t arrival = 0;
    for (cmsghdr* c = io_uring_recvmsg_cmsg_firsthdr(out, &template_); c != nullptr;
         c = io_uring_recvmsg_cmsg_nexthdr(out, &template_, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
        timespec ts{};
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        arrival =
            static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000 + real_to_steady;
      }
    }
    const std::int64_t now = steadyUs();
    if (arrival == 0 || arrival > now) {
      arrival = now;  // no timestamp, or the wall clock stepped back
    }
    const auto payload_len = io_uring_recvmsg_payload_length(out, length, &template_);
    ++counters_.received;
    fn(Datagram{watch.key, watch.context,
                std::span(static_cast<std::uint8_t*>(io_uring_recvmsg_payload(out, &template_)),
                          payload_len),
                from, arrival});
  }

  io_uring ring_{};
  bool ring_ready_ = false;
  io_uring_buf_ring* buf_ring_ = nullptr;
  std::uint8_t* buffers_ = nullptr;
  msghdr template_{};
  std::vector<Watch> watches_;    // by index, as in the receives' user_data
  unsigned fixed_files_ = 0;      // the registered file table's size (0: none)
  std::vector<int> fixed_of_fd_;  // by descriptor: its index in that table, or -1
  std::vector<std::uint32_t> free_watches_;
  std::unordered_map<std::uint64_t, std::uint32_t> watch_of_;  // key -> index
  std::uint32_t generation_ = 0;
  std::vector<Arrived> arrived_;
  int returned_ = 0;  // buffers given back, not yet published to the kernel
  std::vector<std::unique_ptr<SendSlot>> slots_;
  std::vector<std::size_t> free_slots_;
  unsigned queued_ = 0;
  PacketIoCounters counters_;
};

}  // namespace

std::unique_ptr<PacketIo> PacketIo::create() {
  auto io = std::make_unique<UringPacketIo>();
  if (!io->init()) {
    log::warn("media", "batched_io_unavailable")
        .kv("detail",
            "io_uring with multishot receive and DEFER_TASKRUN (Linux 6.1) could not "
            "be set up; one syscall per packet");
    return nullptr;
  }
  return io;
}

}  // namespace mcu::mixer
