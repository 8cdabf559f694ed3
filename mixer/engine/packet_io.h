// Batched datagram I/O for one thread over many UDP sockets, on io_uring (liburing).
//
// Why io_uring and not shared sockets with recvmmsg/sendmmsg: every participant keeps its own
// port, so the SDP, symmetric RTP through NATs, latching, separate RTCP ports and moves between
// media threads all stay as they are; only the way packets cross into the kernel changes. A
// shared port would need demultiplexing by source address, which latching (the source is not
// known until it sends) cannot have.
//
// How: each socket has one multishot receive armed, filling buffers from a ring the kernel
// picks from; the ring is created with DEFER_TASKRUN, so the kernel does that work only when
// the thread calls poll() once per tick, not once per packet. Sends are queued and submitted
// together by flush(). A tick then costs two io_uring_enter calls, whatever the number of
// packets. Arrival times come from the kernel (SO_TIMESTAMPNS), so the jitter buffer sees when
// a packet arrived, not when the tick read it.
//
// One thread only: create, use and destroy it on the thread that polls it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "mixer/engine/udp_socket.h"

namespace mcu::mixer {

struct PacketIoCounters {
  std::uint64_t enters = 0;            // io_uring_enter calls (syscalls)
  std::uint64_t received = 0;          // datagrams delivered
  std::uint64_t sent = 0;              // datagrams the kernel took
  std::uint64_t send_failed = 0;       // refused by the kernel (e.g. EAGAIN, ICMP unreachable)
  std::uint64_t unbatched_sends = 0;   // sent with sendto because no slot was free
  std::uint64_t rearms = 0;            // multishot receives that ended and were armed again
  std::uint64_t truncated = 0;         // datagrams larger than a buffer, dropped
  std::uint64_t fixed_file_sends = 0;  // from a watched socket, named by the ring's file table
};

class PacketIo {
 public:
  // A datagram as received: `data` may be changed in place (SRTP decrypts there) and is valid
  // only during the callback.
  struct Datagram {
    std::uint64_t key;
    void* context;  // as given to watch()
    std::span<std::uint8_t> data;
    const Endpoint& from;
    std::int64_t arrival_us;  // steady clock, microseconds (as the media thread's ticks)
  };
  using Receiver = std::function<void(const Datagram&)>;
  // Called with the context of a datagram a few ahead of the one being handed over, so the
  // caller can ask for its state to be brought into cache meanwhile: at 1,000 callers each
  // datagram's handling was mostly waiting for its participant's state (perf).
  using Prefetch = void (*)(const void* context);

  // nullptr when io_uring (or a feature it needs: multishot receive, DEFER_TASKRUN, provided
  // buffer rings; Linux 6.1) is not available here, e.g. forbidden by a container's seccomp
  // filter. The caller then reads and sends one packet per syscall.
  static std::unique_ptr<PacketIo> create();
  virtual ~PacketIo() = default;

  // Receive from `fd` until unwatch(key); `key` and `context` come with its datagrams in
  // poll(). A key watched again replaces its earlier watch.
  virtual void watch(int fd, std::uint64_t key, void* context) = 0;
  void watch(int fd, std::uint64_t key) { watch(fd, key, nullptr); }
  // Stops receiving (the cancellation is submitted now, before the caller closes the socket).
  virtual void unwatch(std::uint64_t key) = 0;
  // Queues a datagram (copied) to leave from `from` at the next flush(); sent at once with
  // UdpSocket::send when every send slot is taken.
  virtual void send(const UdpSocket& from, std::span<const std::uint8_t> data,
                    const Endpoint& to) = 0;
  // Submits what is queued (one syscall).
  virtual void flush() = 0;
  // Lets the kernel receive what arrived since the last poll and hands each datagram to `fn`
  // (and, when given, the context of one a few ahead to `prefetch` first). A datagram whose
  // key was unwatched meanwhile, even by `fn`, is not handed over.
  virtual void poll(const Receiver& fn, Prefetch prefetch) = 0;
  void poll(const Receiver& fn) { poll(fn, nullptr); }
  virtual const PacketIoCounters& counters() const = 0;
};

}  // namespace mcu::mixer
