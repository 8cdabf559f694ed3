// A chain of GStreamer elements that runs in the calling thread: buffers are pushed into its
// sink from our own pad and the results pulled from an appsink right after, synchronously.
// No source, queue or jitterbuffer element, so GStreamer starts no streaming thread for it
// (STACK.md: 200 chains, one thread). Every chain of a media thread lives in that thread's
// pipeline and is only used from that thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mixer/codec/gst_ref.h"

// GStreamer's own type names, declared here so that only .cpp files include <gst/gst.h>.
// NOLINTNEXTLINE(bugprone-reserved-identifier,modernize-use-using)
typedef struct _GstElement GstElement;
// NOLINTNEXTLINE(bugprone-reserved-identifier,modernize-use-using)
typedef struct _GstPad GstPad;

namespace mcu::mixer::codec {

// What a chain is made of: gst-launch syntax ending in "appsink name=sink", and the caps of
// what is pushed into it. Chains of one shape are interchangeable (after a flush).
struct ChainShape {
  std::string description;
  std::string caps;
  std::string key() const { return description + "|" + caps; }
};

// A chain's GStreamer objects, kept for reuse.
struct PooledChain {
  GstElement* bin = nullptr;  // Borrowed: the pipeline owns it.
  GstRef<GstElement> sink;    // Owned: our reference to its appsink...
  GstRef<GstPad> src;         // ...and the pad we push from (linked to the bin's sink pad).
};

// One pipeline per media thread, PLAYING for its whole life; chains are bins inside it.
// A chain that is no longer needed stays in the pipeline and is reused (after a flush) by the
// next chain of the same shape: a bin removed from a playing pipeline was never freed here
// (heaptrack: ~50 KB lost per ended call), and reuse also saves building elements per call.
// Memory then follows the peak number of chains, not the number of calls served.
class GstPipelineHost {
 public:
  GstPipelineHost();
  GstPipelineHost(const GstPipelineHost&) = delete;
  GstPipelineHost& operator=(const GstPipelineHost&) = delete;
  ~GstPipelineHost();

  std::optional<PooledChain> take(const std::string& key);
  void give(const std::string& key, PooledChain chain);
  std::size_t pooled() const;
  std::size_t pooled(const std::string& key) const;
  // Chains taken from the pool, ever (what can leave a ChainStock short).
  std::uint64_t taken() const { return taken_; }
  // A newly built chain's bin joins the pipeline (which takes its own reference).
  void add(GstElement* bin);
  // Chains built from new elements (not taken from the pool), ever.
  std::uint64_t built() const { return built_; }

 private:
  GstElement* pipeline_;
  std::map<std::string, std::vector<PooledChain>> pool_;
  std::uint64_t built_ = 0;
  std::uint64_t taken_ = 0;
};

// Initialises GStreamer once per process; false (with the reason) if it cannot.
bool ensureGstreamer(std::string* error);

class GstPushChain {
 public:
  // Takes a pooled chain of the shape, or builds one (about 1.2-2.2 ms of the calling
  // thread's time, codec_chain_bench; taking one costs 8-80 us).
  GstPushChain(GstPipelineHost& host, const ChainShape& shape);
  GstPushChain(const GstPushChain&) = delete;
  GstPushChain& operator=(const GstPushChain&) = delete;
  ~GstPushChain();

  // Builds one more chain of the shape straight into the host's pool, for a later chain to
  // take: what a media thread does between ticks so that no tick pays for a build.
  static bool stock(GstPipelineHost& host, const ChainShape& shape);

  bool ok() const { return chain_.bin != nullptr; }
  // Pushes one buffer (an empty one signals a gap of `duration_ns`) and collects every
  // output buffer into `outputs`, one vector per buffer. False if the chain reported an error.
  bool push(const std::uint8_t* data, std::size_t size, std::uint64_t duration_ns,
            std::vector<std::vector<std::uint8_t>>& outputs);

 private:
  enum class Source : std::uint8_t { kPoolFirst, kNew };
  GstPushChain(GstPipelineHost& host, const ChainShape& shape, Source source);
  void build(const ChainShape& shape);
  void reset();

  GstPipelineHost& host_;
  std::string key_;
  PooledChain chain_;  // given back to the host's pool when this ends
  std::uint64_t pts_ns_ = 0;
};

}  // namespace mcu::mixer::codec
