// Owning handles for GStreamer's reference-counted objects, so that every early return lets
// go of what it holds (issue 14: the file loader leaked its elements when one was missing, and
// the pads of pooled chains were never released). Only .cpp files include <gst/gst.h>: the
// unref functions are declared here and defined with it.
#pragma once

#include <memory>

// NOLINTNEXTLINE(bugprone-reserved-identifier,modernize-use-using)
typedef struct _GstSample GstSample;
// NOLINTNEXTLINE(bugprone-reserved-identifier,modernize-use-using)
typedef struct _GstMessage GstMessage;

namespace mcu::mixer::codec {

void unrefGstObject(void* object);  // gst_object_unref: elements, pads, buses
void unrefGstSample(GstSample* sample);
void unrefGstMessage(GstMessage* message);

struct GstObjectUnref {
  void operator()(void* object) const { unrefGstObject(object); }
};
struct GstSampleUnref {
  void operator()(GstSample* sample) const { unrefGstSample(sample); }
};
struct GstMessageUnref {
  void operator()(GstMessage* message) const { unrefGstMessage(message); }
};

// A reference to a GstObject (GstElement, GstPad, GstBus...) that this handle owns.
template <typename T>
using GstRef = std::unique_ptr<T, GstObjectUnref>;
using GstSampleRef = std::unique_ptr<GstSample, GstSampleUnref>;
using GstMessageRef = std::unique_ptr<GstMessage, GstMessageUnref>;

}  // namespace mcu::mixer::codec
