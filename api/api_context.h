// What the /v1 handlers work with: the stores (through the database worker) and the
// conference (through the control loop). Owned by the server; outlives the HTTP listener.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "mcu/conference/conference_client.h"
#include "mcu/conference/prompt_library.h"
#include "mcu/conference/room_ownership.h"
#include "mcu/store/call_history.h"
#include "mcu/store/event_log.h"
#include "mcu/store/node_records.h"
#include "mcu/store/recording_records.h"
#include "mcu/store/room_records.h"
#include "mcu/store/token_store.h"

namespace mcu::api {

struct ApiContext {
  store::RoomRecords* rooms = nullptr;
  store::CallHistory* calls = nullptr;
  store::EventLog* events = nullptr;
  store::TokenStore* tokens = nullptr;
  conference::ConferenceClient* conference = nullptr;
  conference::PromptLibrary* prompts = nullptr;  // what POST .../playback may play
  store::RecordingRecords* recordings = nullptr;
  store::NodeRecords* nodes = nullptr;
  bool cluster = false;  // cluster.enabled: commands on a live room go to its owner
  // In a cluster: claims a room for this node before a dial-out places a caller in it (empty
  // when the control loop did not answer).
  std::function<std::optional<conference::RoomPlace>(const std::string& room)> claim_room;
  std::string recordings_dir;  // config recordings.dir; empty: recording is off
  std::string node_id;         // this server's, in the rows it makes
  // Prometheus text for what the rest of the server counts (calls, mixer, database).
  std::function<std::string()> server_metrics;
  int max_event_streams = 4;  // each holds an HTTP worker thread while open
  std::string dialout_allow;  // config dialout.allow: hosts dial-out may call
};

}  // namespace mcu::api
