// Signaling, database and HTTP threads run below the media threads' CPU priority: when a SIP
// or HTTP flood keeps them busy on a small machine, the scheduler still gives the media
// threads their 20 ms ticks, so live calls keep their audio (issue 11 item 7).
#pragma once

namespace mcu {

// Raises the calling thread's nice value to kControlNice (Linux nice is per thread; raising
// it needs no privilege). Once per thread is enough; later calls change nothing.
void runBelowMediaPriority();

inline constexpr int kControlNice = 10;  // CFS weight 110 against the media threads' 1024

}  // namespace mcu
