// Wires the server's parts together and owns their lifetimes: the control thread (SIP), the
// database worker, the HTTP listener. The main thread only waits for signals and orchestrates
// start-up and graceful shutdown.
#pragma once

#include "mcu/config/config.h"

namespace mcu::app {

class Server {
 public:
  explicit Server(config::Config config);
  // Runs until SIGINT/SIGTERM (or a fatal start-up problem); returns the process exit code.
  int run();

 private:
  config::Config config_;
};

}  // namespace mcu::app
