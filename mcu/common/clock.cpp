#include "mcu/common/clock.h"

namespace mcu {
namespace {

class SteadyClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace

const Clock& steadyClock() {
  static const SteadyClock clock;
  return clock;
}

}  // namespace mcu
