#include "mixer/codec/audio_file_loader.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <unistd.h>

#include "mixer/codec/gst_push_chain.h"
#include "mixer/codec/gst_ref.h"

namespace mcu::mixer::codec {
namespace {

// Stops the pipeline on every way out; the handles then release it.
class StopOnExit {
 public:
  explicit StopOnExit(GstElement* pipeline) : pipeline_(pipeline) {}
  StopOnExit(const StopOnExit&) = delete;
  StopOnExit& operator=(const StopOnExit&) = delete;
  ~StopOnExit() { gst_element_set_state(pipeline_, GST_STATE_NULL); }

 private:
  GstElement* pipeline_;  // Borrowed.
};

// A new element's floating reference, made ours (gst_bin_add then takes one of its own).
GstRef<GstElement> owned(GstElement* element) {
  if (element != nullptr) {
    gst_object_ref_sink(element);
  }
  return GstRef<GstElement>(element);
}

// decodebin exposes its pad once it knows the format: link it to our conversion tail.
void linkDecoded(GstElement* /*decodebin*/, GstPad* pad, gpointer tail) {
  const GstRef<GstPad> sink(gst_element_get_static_pad(GST_ELEMENT(tail), "sink"));
  if (!gst_pad_is_linked(sink.get())) {
    gst_pad_link(pad, sink.get());
  }
}

}  // namespace

Result<std::vector<std::int16_t>> loadAudioFile(const std::string& path, int max_seconds) {
  std::string error;
  if (!ensureGstreamer(&error)) {
    return Error{error};
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return Error{"cannot read " + path};
  }
  const auto pipeline = owned(gst_pipeline_new("loader"));
  const auto src = owned(gst_element_factory_make("filesrc", nullptr));
  const auto decode = owned(gst_element_factory_make("decodebin", nullptr));
  const auto tail = owned(gst_parse_bin_from_description(
      "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
      "appsink name=sink sync=false",
      TRUE, nullptr));
  if (pipeline == nullptr || src == nullptr || decode == nullptr || tail == nullptr) {
    return Error{std::string("GStreamer elements missing (filesrc, decodebin)")};
  }
  g_object_set(src.get(), "location", path.c_str(), nullptr);
  gst_bin_add_many(GST_BIN(pipeline.get()), src.get(), decode.get(), tail.get(), nullptr);
  gst_element_link(src.get(), decode.get());
  g_signal_connect(decode.get(), "pad-added", G_CALLBACK(linkDecoded), tail.get());
  const GstRef<GstElement> sink(gst_bin_get_by_name(GST_BIN(tail.get()), "sink"));
  const StopOnExit stop(pipeline.get());
  gst_element_set_state(pipeline.get(), GST_STATE_PLAYING);
  std::vector<std::int16_t> samples;
  const std::size_t limit = static_cast<std::size_t>(max_seconds) * 48000;
  const GstRef<GstBus> bus(gst_element_get_bus(pipeline.get()));
  const gint64 deadline = g_get_monotonic_time() + 30 * G_TIME_SPAN_SECOND;
  for (;;) {
    const GstSampleRef sample(
        gst_app_sink_try_pull_sample(GST_APP_SINK(sink.get()), 50 * GST_MSECOND));
    if (sample == nullptr) {
      // Nothing yet: finished, failed (not audio, corrupt), or still working.
      if (gst_app_sink_is_eos(GST_APP_SINK(sink.get())) || g_get_monotonic_time() > deadline) {
        break;
      }
      if (const GstMessageRef msg{gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR)}) {
        GError* err = nullptr;
        gst_message_parse_error(msg.get(), &err, nullptr);
        error = err != nullptr ? err->message : "decoding failed";
        g_clear_error(&err);
        break;
      }
      continue;
    }
    GstBuffer* buffer = gst_sample_get_buffer(sample.get());
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      const auto* begin = reinterpret_cast<const std::int16_t*>(map.data);
      samples.insert(samples.end(), begin, begin + map.size / 2);
      gst_buffer_unmap(buffer, &map);
    }
    if (samples.size() > limit) {
      samples.resize(limit);
      break;
    }
  }
  if (samples.empty()) {
    return Error{path + ": " + (error.empty() ? "no audio decoded" : error)};
  }
  return samples;
}

}  // namespace mcu::mixer::codec
