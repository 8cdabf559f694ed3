// Spare codec chains, built between ticks, so that no tick builds one (issue 13 item 3).
//
// A participant gets its decoder when the room first mixes it and its personal encoder when
// it is first chosen to speak, on the tick: from the thread's pool that costs 8-80 us, built
// from new GStreamer elements 1.2-2.2 ms each (codec_chain_bench), several at once when
// talkers change or a burst of callers starts. The media thread therefore tells the stock
// which codecs its participants use and, after each tick, lets it build what fits before the
// next one until each shape has its spares in the pool.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mixer/codec/codec.h"
#include "mixer/codec/gst_push_chain.h"

namespace mcu::mixer::codec {

class ChainStock {
 public:
  // Shapes are remembered up to `max_codecs` codec configurations (the first ones seen; a
  // configuration past that is built on demand, as before).
  ChainStock(GstPipelineHost& host, std::size_t spares, std::size_t max_codecs);

  // A participant of this thread uses `spec`: keep its decoder's and encoder's chains ready.
  void want(const CodecSpec& spec);
  // Builds at most one missing chain (a thread's own pipeline: call it from that thread).
  // False when every shape has its spares.
  bool buildOne();
  // Builds missing chains while a build, judged by the last one's duration, leaves half the
  // time to `deadline` (the next tick) unused; at most a few per call.
  void fillUntil(std::chrono::steady_clock::time_point deadline);
  std::size_t codecs() const { return specs_.size(); }
  std::size_t built() const { return built_; }

 private:
  GstPipelineHost& host_;
  const std::size_t spares_;
  const std::size_t max_codecs_;
  struct Shape {
    ChainShape chain;
    std::string key;  // made once: the check runs after every tick
  };
  std::vector<CodecSpec> specs_;
  std::vector<Shape> shapes_;  // each spec's decoder's, then its encoder's
  std::size_t built_ = 0;
  std::chrono::steady_clock::duration last_build_{};  // how long the last build took
  // Full as of the pool's take count: nothing to look at until a chain is taken or a codec
  // is added. Checking every shape after every tick cost a few string allocations per tick,
  // which under ASan (slow unwinding on malloc) was 2 % of a core on an idle server and kept
  // SipCallTest.OverTheCpuBudget... over its budget.
  bool full_ = false;
  std::uint64_t taken_when_full_ = 0;
};

}  // namespace mcu::mixer::codec
