#include "mcu/app/signal_waiter.h"

#include <pthread.h>

namespace mcu::app {

SignalWaiter::SignalWaiter(const sigset_t& signals, std::function<void(int)> on_signal)
    : signals_(signals), on_signal_(std::move(on_signal)) {
  thread_ = std::thread([this] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals_, &sig) != 0 || stopping_.load()) {
        return;
      }
      on_signal_(sig);
    }
  });
}

SignalWaiter::~SignalWaiter() { stop(); }

void SignalWaiter::stop() {
  if (!thread_.joinable()) {
    return;
  }
  stopping_ = true;
  // Wakes the sigwait() above with one of its own signals, sent to that thread alone.
  int first = SIGTERM;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sigismember(&signals_, sig) == 1) {
      first = sig;
      break;
    }
  }
  pthread_kill(thread_.native_handle(), first);
  thread_.join();
}

}  // namespace mcu::app
