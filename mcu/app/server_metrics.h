// The server's Prometheus metrics (what is not HTTP's own): calls, rooms, media, mixer timing
// and the database queue. Called on an HTTP thread; reads only thread-safe probes and asks
// the conference through its client.
#pragma once

#include <functional>
#include <string>

#include "mcu/app/cpu_admission.h"
#include "mcu/conference/conference_client.h"
#include "mcu/sip/sip_stack.h"
#include "mcu/store/conference_store.h"
#include "mcu/store/db_worker.h"
#include "mcu/store/event_log.h"
#include "mixer/engine/media_engine.h"

namespace mcu::app {

struct MetricSources {
  sip::SipStack* sip = nullptr;
  mixer::MediaEngine* engine = nullptr;
  store::DbWorker* db = nullptr;
  store::ConferenceStore* conference_store = nullptr;
  store::EventLog* events = nullptr;
  conference::ConferenceClient* conference = nullptr;
  const CpuAdmission* cpu = nullptr;
  std::function<bool()> ready;  // what /readyz says
  const conference::PromptLibrary* prompts = nullptr;
  const conference::RoomOwnership* ownership = nullptr;  // in a cluster only
};

std::string serverMetrics(const MetricSources& sources);

}  // namespace mcu::app
