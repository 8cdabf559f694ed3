#include "mixer/codec/gst_ref.h"

#include <gst/gst.h>

namespace mcu::mixer::codec {

void unrefGstObject(void* object) { gst_object_unref(object); }
void unrefGstSample(GstSample* sample) { gst_sample_unref(sample); }
void unrefGstMessage(GstMessage* message) { gst_message_unref(message); }

}  // namespace mcu::mixer::codec
