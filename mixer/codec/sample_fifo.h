// 16-bit samples between a codec chain (which may hand out odd-sized buffers, e.g. around a
// resampler's start-up latency) and the mixer's fixed 20 ms frames.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <span>

namespace mcu::mixer::codec {

class SampleFifo {
 public:
  void pushBytes(std::span<const std::uint8_t> bytes) {
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
      std::int16_t s = 0;
      std::memcpy(&s, &bytes[i], 2);
      samples_.push_back(s);
    }
  }
  bool pop(std::span<std::int16_t> out) {
    if (samples_.size() < out.size()) {
      return false;
    }
    for (auto& s : out) {
      s = samples_.front();
      samples_.pop_front();
    }
    return true;
  }
  // Keeps at most `max` samples, dropping the oldest: bounded latency whatever the chain does.
  void trim(std::size_t max) {
    while (samples_.size() > max) {
      samples_.pop_front();
    }
  }
  std::size_t size() const { return samples_.size(); }

 private:
  std::deque<std::int16_t> samples_;
};

}  // namespace mcu::mixer::codec
