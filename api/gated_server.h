// cpp-httplib with its connection loop replaced: the accept thread hands each socket to the
// ConnectionGate instead of giving it a pooled thread, and a worker serves one whole,
// already-received request at a time through serve(). Routing, parsing and writing stay the
// library's.
#pragma once

#include <httplib.h>
#include <sys/socket.h>

#include "api/connection_gate.h"

namespace mcu::api {

class GatedServer final : public httplib::Server {
 public:
  explicit GatedServer(ConnectionGate& gate) : gate_(gate) {
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory): httplib's API takes a raw owning pointer.
    new_task_queue = [] { return new RunNow; };
  }

  // The library listens with a backlog of 5: a burst of connections (a slowloris attack, or
  // a dashboard opening many) then loses SYNs and waits a second to retry. Linux lets a
  // listening socket's backlog be raised by calling listen() again.
  bool raiseBacklog(int backlog) { return ::listen(svr_sock_, backlog) == 0; }

  // One request from the stream; `closed` tells whether the connection must be closed after.
  bool serve(httplib::Stream& stream, bool close_after, bool& closed) {
    return process_request(stream, close_after, closed, nullptr);
  }

 private:
  // The accept loop's "task" is only the hand-over to the gate: run it on the accept thread.
  class RunNow final : public httplib::TaskQueue {
   public:
    void enqueue(std::function<void()> fn) override { fn(); }
    void shutdown() override {}
  };

  bool process_and_close_socket(socket_t sock) override {
    gate_.adopt(sock);
    return true;
  }

  ConnectionGate& gate_;
};

}  // namespace mcu::api
