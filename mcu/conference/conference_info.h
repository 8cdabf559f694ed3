// RFC 4575 conference state documents (application/conference-info+xml): the full state a new
// subscriber gets, and the partial ones that follow a change. Pure: the SIP side decides when
// to send, this decides what the document says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mcu/conference/live_view.h"

namespace mcu::conference {

// The room as RFC 4575's <conference-description> and <conference-state> show it.
struct ConferenceInfoRoom {
  std::string entity;  // the conference URI the subscriber addressed (sip:ROOM@host)
  std::string name;
  bool locked = false;
  std::optional<int> max_participants;
  std::size_t user_count = 0;  // participants in the room now
};

// One participant as the subscriber last heard of it, or its removal.
struct EndpointChange {
  mixer::ParticipantId id;
  std::string aor;  // its user's entity (From URI): users group their endpoints by it
  std::optional<ParticipantView> now;  // nullopt: it left (or was moved away)
  bool last_of_user = true;            // leaving: no other endpoint of its user remains
};

// The endpoint's entity: its From URI with the participant id, unique in the room and the same
// id REST uses (two anonymous callers share a From URI, never this).
std::string endpointEntity(const std::string& aor, mixer::ParticipantId id);

// state="full": every participant, grouped into users by From URI in order of arrival.
std::string conferenceInfoFull(const ConferenceInfoRoom& room,
                               const std::vector<ParticipantView>& participants,
                               std::uint32_t version);
// state="partial": the conference state, and each changed endpoint in full (or deleted, and
// its user deleted when it was the user's last).
std::string conferenceInfoPartial(const ConferenceInfoRoom& room,
                                  const std::vector<EndpointChange>& changes,
                                  std::uint32_t version);

}  // namespace mcu::conference
