#include "mcu/common/thread_priority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace mcu {

void runBelowMediaPriority() {
  thread_local bool done = false;
  if (done) {
    return;
  }
  done = true;
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  // Best effort: a failure (a seccomp profile forbidding it) leaves the thread as it was.
  ::setpriority(PRIO_PROCESS, tid, kControlNice);
}

}  // namespace mcu
