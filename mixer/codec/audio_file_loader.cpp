#include "mixer/codec/audio_file_loader.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <unistd.h>

#include "mixer/codec/gst_push_chain.h"

namespace mcu::mixer::codec {

std::variant<std::vector<std::int16_t>, std::string> loadAudioFile(const std::string& path,
                                                                   int max_seconds) {
  std::string error;
  if (!ensureGstreamer(&error)) {
    return error;
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return "cannot read " + path;
  }
  GstElement* pipeline = gst_pipeline_new("loader");
  GstElement* src = gst_element_factory_make("filesrc", nullptr);
  GstElement* decode = gst_element_factory_make("decodebin", nullptr);
  GstElement* tail = gst_parse_bin_from_description(
      "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=48000,channels=1 ! "
      "appsink name=sink sync=false",
      TRUE, nullptr);
  if (pipeline == nullptr || src == nullptr || decode == nullptr || tail == nullptr) {
    return "GStreamer elements missing (filesrc, decodebin)";
  }
  g_object_set(src, "location", path.c_str(), nullptr);
  gst_bin_add_many(GST_BIN(pipeline), src, decode, tail, nullptr);
  gst_element_link(src, decode);
  // decodebin exposes its pad once it knows the format: link it to our conversion tail.
  g_signal_connect(decode, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer data) {
                     GstPad* sink = gst_element_get_static_pad(GST_ELEMENT(data), "sink");
                     if (!gst_pad_is_linked(sink)) {
                       gst_pad_link(pad, sink);
                     }
                     gst_object_unref(sink);
                   }),
                   tail);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(tail), "sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::vector<std::int16_t> samples;
  const std::size_t limit = static_cast<std::size_t>(max_seconds) * 48000;
  GstBus* bus = gst_element_get_bus(pipeline);
  const gint64 deadline = g_get_monotonic_time() + 30 * G_TIME_SPAN_SECOND;
  for (;;) {
    GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 50 * GST_MSECOND);
    if (sample == nullptr) {
      // Nothing yet: finished, failed (not audio, corrupt), or still working.
      if (gst_app_sink_is_eos(GST_APP_SINK(sink)) || g_get_monotonic_time() > deadline) {
        break;
      }
      if (GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
        GError* err = nullptr;
        gst_message_parse_error(msg, &err, nullptr);
        error = err != nullptr ? err->message : "decoding failed";
        g_clear_error(&err);
        gst_message_unref(msg);
        break;
      }
      continue;
    }
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      const auto* begin = reinterpret_cast<const std::int16_t*>(map.data);
      samples.insert(samples.end(), begin, begin + map.size / 2);
      gst_buffer_unmap(buffer, &map);
    }
    gst_sample_unref(sample);
    if (samples.size() > limit) {
      samples.resize(limit);
      break;
    }
  }
  gst_object_unref(bus);
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  if (samples.empty()) {
    return path + ": " + (error.empty() ? "no audio decoded" : error);
  }
  return samples;
}

}  // namespace mcu::mixer::codec
