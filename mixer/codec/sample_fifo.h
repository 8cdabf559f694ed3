// 16-bit samples between a codec chain (which may hand out odd-sized buffers, e.g. around a
// resampler's start-up latency) and the mixer's fixed 20 ms frames. A flat buffer with a read
// position, copied in blocks: every participant passes a frame through here every tick.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace mcu::mixer::codec {

class SampleFifo {
 public:
  void pushBytes(std::span<const std::uint8_t> bytes) {
    const std::size_t n = bytes.size() / 2;  // an odd last byte is no sample
    if (n == 0) {
      return;  // memcpy from an empty span's null data() would be undefined
    }
    compact();
    const std::size_t at = samples_.size();
    samples_.resize(at + n);
    std::memcpy(samples_.data() + at, bytes.data(), n * 2);
  }
  void push(std::span<const std::int16_t> samples) {
    compact();
    samples_.insert(samples_.end(), samples.begin(), samples.end());
  }
  bool pop(std::span<std::int16_t> out) {
    if (size() < out.size()) {
      return false;
    }
    std::copy_n(samples_.begin() + static_cast<std::ptrdiff_t>(read_), out.size(), out.begin());
    read_ += out.size();
    return true;
  }
  // What is held, up to out.size() samples, into the front of `out`: how many.
  std::size_t takeUpTo(std::span<std::int16_t> out) {
    const std::size_t n = std::min(size(), out.size());
    std::copy_n(samples_.begin() + static_cast<std::ptrdiff_t>(read_), n, out.begin());
    read_ += n;
    return n;
  }
  // Keeps at most `max` samples, dropping the oldest: bounded latency whatever the chain does.
  void trim(std::size_t max) {
    if (size() > max) {
      read_ = samples_.size() - max;
    }
  }
  std::size_t size() const { return samples_.size() - read_; }
  // Puts `n` silent samples before what is held.
  void padFront(std::size_t n) {
    compact();
    samples_.insert(samples_.begin(), n, 0);
  }

 private:
  // Moves what is unread to the front, so that the buffer stays a few frames long.
  void compact() {
    if (read_ == 0) {
      return;
    }
    samples_.erase(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(read_));
    read_ = 0;
  }

  std::vector<std::int16_t> samples_;
  std::size_t read_ = 0;
};

}  // namespace mcu::mixer::codec
