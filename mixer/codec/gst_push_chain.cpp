#include "mixer/codec/gst_push_chain.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <atomic>
#include <mutex>
#include <utility>

#include "mcu/common/log.h"

namespace mcu::mixer::codec {
namespace {

constexpr std::string_view kComponent = "media";

// Bus messages would pile up (nobody runs a main loop on this pipeline): report errors and
// drop everything in the posting thread. A sync handler that drops a message must unref it
// (GstBusSyncHandler): not doing so leaked every message, and with it a reference to the
// element that posted it, so no chain and no pipeline was ever freed.
GstBusSyncReply onBusMessage(GstBus* /*bus*/, GstMessage* message, gpointer /*data*/) {
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(message, &err, &debug);
    log::error(kComponent, "gst_error")
        .kv("element", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)))
        .kv("error", err != nullptr ? err->message : "")
        .kv("debug", debug != nullptr ? debug : "");
    g_clear_error(&err);
    g_free(debug);
  }
  gst_message_unref(message);
  return GST_BUS_DROP;
}

std::atomic<int> g_pipeline_count{0};

}  // namespace

bool ensureGstreamer(std::string* error) {
  static std::once_flag once;
  static bool ok = false;
  static std::string reason;
  std::call_once(once, [] {
    GError* err = nullptr;
    ok = gst_init_check(nullptr, nullptr, &err) != FALSE;
    if (!ok) {
      reason = err != nullptr ? err->message : "gst_init_check failed";
      g_clear_error(&err);
    }
  });
  if (!ok && error != nullptr) {
    *error = reason;
  }
  return ok;
}

GstPipelineHost::GstPipelineHost() {
  ensureGstreamer(nullptr);
  const std::string name = "mixer" + std::to_string(g_pipeline_count++);
  pipeline_ = gst_pipeline_new(name.c_str());
  GstBus* bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline_));
  gst_bus_set_sync_handler(bus, onBusMessage, nullptr, nullptr);
  gst_object_unref(bus);
  // No clock: nothing here is synchronised to one, buffers flow as we push them.
  gst_pipeline_use_clock(GST_PIPELINE(pipeline_), nullptr);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

GstPipelineHost::~GstPipelineHost() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  pool_.clear();  // our references to the pooled chains' sinks and pads
  gst_object_unref(pipeline_);
}

std::optional<PooledChain> GstPipelineHost::take(const std::string& key) {
  auto it = pool_.find(key);
  if (it == pool_.end() || it->second.empty()) {
    return std::nullopt;
  }
  PooledChain chain = std::move(it->second.back());
  it->second.pop_back();
  ++taken_;
  return chain;
}

void GstPipelineHost::give(const std::string& key, PooledChain chain) {
  pool_[key].push_back(std::move(chain));
}

std::size_t GstPipelineHost::pooled() const {
  std::size_t n = 0;
  for (const auto& [key, chains] : pool_) {
    n += chains.size();
  }
  return n;
}

void GstPipelineHost::add(GstElement* bin) {
  gst_bin_add(GST_BIN(pipeline_), bin);
  ++built_;
}

std::size_t GstPipelineHost::pooled(const std::string& key) const {
  const auto it = pool_.find(key);
  return it == pool_.end() ? 0 : it->second.size();
}

GstPushChain::GstPushChain(GstPipelineHost& host, const ChainShape& shape)
    : GstPushChain(host, shape, Source::kPoolFirst) {}

GstPushChain::GstPushChain(GstPipelineHost& host, const ChainShape& shape, Source source)
    : host_(host), key_(shape.key()) {
  if (source == Source::kPoolFirst) {
    if (auto pooled = host_.take(key_)) {
      chain_ = std::move(*pooled);
      reset();
      return;
    }
  }
  build(shape);
}

bool GstPushChain::stock(GstPipelineHost& host, const ChainShape& shape) {
  const GstPushChain chain(host, shape, Source::kNew);
  return chain.ok();  // and its destructor pools it
}

void GstPushChain::build(const ChainShape& shape) {
  GError* err = nullptr;
  // Floating: sunk here, so that the early return below releases it.
  const GstRef<GstElement> bin(GST_ELEMENT(
      gst_object_ref_sink(gst_parse_bin_from_description(shape.description.c_str(), TRUE, &err))));
  if (bin == nullptr) {
    log::error(kComponent, "gst_chain_invalid")
        .kv("description", shape.description)
        .kv("error", err != nullptr ? err->message : "");
    g_clear_error(&err);
    return;
  }
  GstRef<GstElement> sink(gst_bin_get_by_name(GST_BIN(bin.get()), "sink"));
  if (sink == nullptr) {
    return;
  }
  // Without async=false several sinks in one pipeline deadlock in preroll (STACK.md).
  g_object_set(sink.get(), "sync", FALSE, "async", FALSE, "max-buffers", 0U, nullptr);
  host_.add(bin.get());
  chain_.bin = bin.get();
  chain_.sink = std::move(sink);
  chain_.src.reset(GST_PAD(gst_object_ref_sink(gst_pad_new("src", GST_PAD_SRC))));
  GstPad* src = chain_.src.get();
  gst_pad_set_active(src, TRUE);
  const GstRef<GstPad> sinkpad(gst_element_get_static_pad(chain_.bin, "sink"));
  gst_pad_link(src, sinkpad.get());
  gst_element_sync_state_with_parent(chain_.bin);
  gst_pad_push_event(src, gst_event_new_stream_start(GST_OBJECT_NAME(chain_.bin)));
  GstCaps* caps = gst_caps_from_string(shape.caps.c_str());
  gst_pad_push_event(src, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_push_event(src, gst_event_new_segment(&segment));
}

GstPushChain::~GstPushChain() {
  if (chain_.bin != nullptr) {
    host_.give(key_, std::move(chain_));
  }
}

// A flush resets every element (codec state, resampler history, queued samples); a new
// segment starts time again from zero for the next user of the chain.
void GstPushChain::reset() {
  GstPad* src = chain_.src.get();
  gst_pad_push_event(src, gst_event_new_flush_start());
  gst_pad_push_event(src, gst_event_new_flush_stop(TRUE));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_pad_push_event(src, gst_event_new_segment(&segment));
  pts_ns_ = 0;
  while (
      const GstSampleRef stale{gst_app_sink_try_pull_sample(GST_APP_SINK(chain_.sink.get()), 0)}) {
  }
}

bool GstPushChain::push(const std::uint8_t* data, std::size_t size, std::uint64_t duration_ns,
                        std::vector<std::vector<std::uint8_t>>& outputs) {
  if (chain_.bin == nullptr) {
    return false;
  }
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, size, nullptr);
  if (size > 0) {
    gst_buffer_fill(buffer, 0, data, size);
  } else {
    GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_GAP);
  }
  GST_BUFFER_PTS(buffer) = pts_ns_;
  GST_BUFFER_DURATION(buffer) = duration_ns;
  pts_ns_ += duration_ns;
  const GstFlowReturn flow = gst_pad_push(chain_.src.get(), buffer);
  while (
      const GstSampleRef sample{gst_app_sink_try_pull_sample(GST_APP_SINK(chain_.sink.get()), 0)}) {
    GstBuffer* out = gst_sample_get_buffer(sample.get());
    GstMapInfo map;
    if (out != nullptr && gst_buffer_map(out, &map, GST_MAP_READ)) {
      outputs.emplace_back(map.data, map.data + map.size);
      gst_buffer_unmap(out, &map);
    }
  }
  return flow == GST_FLOW_OK;
}

}  // namespace mcu::mixer::codec
