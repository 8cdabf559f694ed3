#include "mcu/app/cpu_admission.h"

#include <utility>

#include "mcu/conference/conference.h"

namespace mcu::app {

CpuAdmission::CpuAdmission(CpuBudget budget, const Clock& clock, Loop& control,
                           conference::Conference& conference)
    : budget_(std::move(budget)), clock_(clock), control_(control), conference_(conference) {}

void CpuAdmission::sample() {
  if (const auto over = budget_.sample(clock_.now())) {
    overloaded_ = *over;
    control_.post([&conference = conference_, o = *over] { conference.setOverloaded(o); });
  }
}

}  // namespace mcu::app
