#include "mixer/engine/realtime_guard.h"

namespace mcu::mixer {

RealtimeGuard::Action RealtimeGuard::observe(Duration wall, Duration cpu, bool realtime) {
  samples_.push_back({wall, cpu});
  // Keep the newest sample that is at least a window old, and none older.
  while (samples_.size() > 2 && wall - samples_[1].wall >= kWindow) {
    samples_.pop_front();
  }
  const Sample& oldest = samples_.front();
  if (wall - oldest.wall < kWindow) {
    return Action::kNone;
  }
  last_share_ = std::chrono::duration<double>(cpu - oldest.cpu) /
                std::chrono::duration<double>(wall - oldest.wall);
  if (realtime) {
    if (last_share_ > kDropShare) {
      dropped_ = true;
      calm_since_.reset();
      return Action::kDrop;
    }
    return Action::kNone;
  }
  if (!dropped_) {
    return Action::kNone;  // never had it, or was refused it: nothing to take back
  }
  if (last_share_ >= kResumeShare) {
    calm_since_.reset();
    return Action::kNone;
  }
  if (!calm_since_) {
    calm_since_ = wall;
  }
  if (wall - *calm_since_ < kCalm) {
    return Action::kNone;
  }
  dropped_ = false;
  calm_since_.reset();
  return Action::kResume;
}

}  // namespace mcu::mixer
