// Call set-ups at a steady rate beside a crowd (issue 13 item 3: "200 set-ups per second into
// a room of 500"): worker threads each dial a new caller into the room, send it one packet of
// silence so that the server latches and mixes for it, and hang up the oldest once it has been
// in the room for the hold time. Every INVITE and BYE must get a 200; anything else counts as
// a failed call.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace mcu::test {

struct ChurnOptions {
  std::uint16_t sip_port = 0;
  std::string room;
  int per_second = 0;  // set-ups per second, in all
  std::chrono::milliseconds hold{1000};
  std::function<std::string(std::uint16_t rtp_port)> offer;  // each churn caller's SDP
  // The RFC 6464 extension id the answer gives (0: none; then the packet carries no level).
  std::function<int(const std::string& answer)> level_ext;
  std::vector<std::uint8_t> silence;  // one RTP payload of it (sent once, after the answer)
  std::uint8_t payload_type = 0;
};

struct ChurnResult {
  std::uint64_t setups = 0;
  std::uint64_t failed = 0;   // INVITE or BYE not answered 200
  double max_setup_ms = 0;    // INVITE sent to 200 received, the slowest
  double total_setup_ms = 0;  // ... and all of them, for the mean

  double meanSetupMs() const {
    return setups == 0 ? 0 : total_setup_ms / static_cast<double>(setups);
  }
};

class CallChurn {
 public:
  explicit CallChurn(ChurnOptions options);
  CallChurn(const CallChurn&) = delete;
  CallChurn& operator=(const CallChurn&) = delete;
  ~CallChurn();

  void start();
  // Stops dialing, hangs up every churn call still up, and sums what the workers saw.
  ChurnResult stop();

 private:
  void work(int index, int workers, ChurnResult& out);

  ChurnOptions options_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
  std::vector<ChurnResult> results_;
};

}  // namespace mcu::test
