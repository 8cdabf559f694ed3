#include "mixer/engine/port_allocator.h"

namespace mcu::mixer {

PortAllocator::PortAllocator(std::string host, std::uint16_t min, std::uint16_t max)
    : host_(std::move(host)),
      min_(static_cast<std::uint16_t>(min + (min % 2))),
      max_(max),
      next_(min_) {}

PortAllocator::Pair PortAllocator::allocate() {
  const std::lock_guard lock(mutex_);
  const int span = (max_ - min_) / 2 + 1;
  for (int tries = 0; tries < span; ++tries) {
    const std::uint16_t port = next_;
    next_ = static_cast<std::uint16_t>(next_ + 2 > max_ ? min_ : next_ + 2);
    UdpSocket rtp = UdpSocket::bind(host_, port);
    UdpSocket rtcp = UdpSocket::bind(host_, static_cast<std::uint16_t>(port + 1));
    if (rtp.valid() && rtcp.valid()) {
      return {std::move(rtp), std::move(rtcp)};
    }
  }
  return {};
}

}  // namespace mcu::mixer
