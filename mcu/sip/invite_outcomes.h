// How new INVITEs were answered, by status class (2xx to 6xx): what operators chart and alert
// on (a run of 5xx is a server over its budget, draining, or flooded). Counted on the control
// thread where each final response to a new INVITE is sent; read by /metrics on another.
// Re-INVITEs and UPDATEs are not counted: they belong to calls already answered.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace mcu::sip {

class InviteOutcomes {
 public:
  // A final status (200-699); anything else is not an outcome and is ignored.
  void count(int status) {
    if (status >= 200 && status < 700) {
      by_class_[static_cast<std::size_t>(status / 100 - 2)].fetch_add(1, std::memory_order_relaxed);
    }
  }
  // `hundreds`: 2 for 2xx ... 6 for 6xx.
  std::uint64_t ofClass(int hundreds) const {
    return hundreds >= 2 && hundreds <= 6
               ? by_class_[static_cast<std::size_t>(hundreds - 2)].load(std::memory_order_relaxed)
               : 0;
  }

 private:
  std::array<std::atomic<std::uint64_t>, 5> by_class_{};
};

}  // namespace mcu::sip
