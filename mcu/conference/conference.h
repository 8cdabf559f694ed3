// The conference: rooms, their participants and policies. A single-threaded actor on the
// control thread (no locks): the SIP front end (and later the REST API, through a posted
// call) drive it through these methods, so a kick and a BYE take the same path. It tells the
// media engine what to mix and the store what to remember.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mcu/conference/room_policy.h"
#include "mcu/store/conference_store.h"
#include "mixer/engine/media_engine.h"

namespace mcu::conference {

struct ConferenceConfig {
  bool on_demand_rooms = true;
  int max_participants = 1000;  // server-wide budget: beyond it, 503 + Retry-After
  std::string node_id = "mcu";
  int rtp_timeout_ms = 30'000;
};

struct JoinRequest {
  std::string room;
  std::string call_id;
  std::string from_uri;
  std::string display_name;
  std::optional<std::string> pin;
  mixer::MediaEndpoint media;
};

struct JoinResult {
  Admission admission;
  mixer::ParticipantId participant = 0;
  std::uint16_t local_port = 0;
};

class Conference {
 public:
  Conference(mixer::MediaEngine& engine, store::ConferenceStore& store, ConferenceConfig config);

  // Room policies as stored, replacing what was known (start-up load, REST changes).
  void setRooms(const std::vector<store::RoomRow>& rooms);
  JoinResult join(const JoinRequest& request);
  void update(mixer::ParticipantId id, const mixer::MediaEndpoint& media);
  void leave(mixer::ParticipantId id, const std::string& reason);
  std::size_t participantCount() const { return participants_.size(); }

 private:
  struct Room {
    RoomPolicy policy;
    std::optional<mixer::RoomId> media_room;  // created at the first join, gone at the last
    std::set<mixer::ParticipantId> participants;
  };
  struct Member {
    std::string room;
    std::string call_id;
  };

  mixer::MediaEngine& engine_;
  store::ConferenceStore& store_;
  ConferenceConfig config_;
  std::map<std::string, Room> rooms_;
  std::map<mixer::ParticipantId, Member> participants_;
  mixer::ParticipantId next_participant_ = 1;
  mixer::RoomId next_room_ = 1;
};

}  // namespace mcu::conference
