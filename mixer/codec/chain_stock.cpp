#include "mixer/codec/chain_stock.h"

#include <algorithm>
#include <utility>

#include "mixer/codec/audio_decoder.h"
#include "mixer/codec/audio_encoder.h"
#include "mixer/codec/codec_factory.h"

namespace mcu::mixer::codec {
namespace {

// A thread's first build of a codec also loads its plugin (tens of ms): taken as the measure
// of the next, it would stop the stock for good. So the estimate is capped.
constexpr auto kMaxBuildEstimate = std::chrono::milliseconds(5);
constexpr auto kBuildMargin = std::chrono::milliseconds(2);
// 200 callers a second who each need a decoder at their first packet took chains faster than
// one build per tick per thread made them (measured: 94 of 224 built on the tick over the
// first 4 s of such a churn); eight per gap keeps up, and bounds the gap's work.
constexpr int kMaxBuildsPerCall = 8;

}  // namespace

ChainStock::ChainStock(GstPipelineHost& host, std::size_t spares, std::size_t max_codecs)
    : host_(host), spares_(spares), max_codecs_(max_codecs) {}

void ChainStock::want(const CodecSpec& spec) {
  // The payload type names the codec in one call's SDP; the chains do not depend on it.
  CodecSpec shape_spec = spec;
  shape_spec.payload_type = 0;
  if (!runsInChain(spec.kind) || specs_.size() >= max_codecs_ ||
      std::find(specs_.begin(), specs_.end(), shape_spec) != specs_.end()) {
    return;
  }
  specs_.push_back(shape_spec);
  for (ChainShape chain : {AudioDecoder::shape(shape_spec), AudioEncoder::shape(shape_spec)}) {
    std::string key = chain.key();
    shapes_.push_back({std::move(chain), std::move(key)});
  }
  full_ = false;
}

bool ChainStock::buildOne() {
  if (full_ && host_.taken() == taken_when_full_) {
    return false;
  }
  for (auto it = shapes_.begin(); it != shapes_.end(); ++it) {
    if (host_.pooled(it->key) >= spares_) {
      continue;
    }
    if (GstPushChain::stock(host_, it->chain)) {
      ++built_;
    } else {
      shapes_.erase(it);  // logged once by the chain; not tried again every tick
    }
    return true;
  }
  full_ = true;
  taken_when_full_ = host_.taken();
  return false;
}

void ChainStock::fillUntil(std::chrono::steady_clock::time_point deadline) {
  for (int i = 0; i < kMaxBuildsPerCall; ++i) {
    const auto started = std::chrono::steady_clock::now();
    const auto expected =
        std::min<std::chrono::steady_clock::duration>(last_build_, kMaxBuildEstimate);
    if (deadline - started < 2 * expected + kBuildMargin || !buildOne()) {
      return;
    }
    last_build_ = std::chrono::steady_clock::now() - started;
  }
}

}  // namespace mcu::mixer::codec
