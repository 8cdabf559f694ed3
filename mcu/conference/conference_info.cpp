#include "mcu/conference/conference_info.h"

#include <map>

namespace mcu::conference {
namespace {

constexpr const char* kNamespace = "urn:ietf:params:xml:ns:conference-info";

// Text and attribute values: the five XML specials escaped, and the characters XML 1.0 does
// not allow (C0 controls other than tab, CR, LF) written as '?'. Names reach us already as
// UTF-8 (network_text), so nothing here can make the document ill-formed.
std::string xmlText(const std::string& raw) {
  std::string out;
  out.reserve(raw.size());
  for (const char c : raw) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

void element(std::string& out, const char* name, const std::string& value) {
  out += std::string("<") + name + ">" + xmlText(value) + "</" + name + ">";
}

// RFC 4575 §5.6.3: where the endpoint is in its call, as the focus sees it.
std::string endpointStatus(const ParticipantView& p) {
  if (p.state == CallState::kCalling) {
    return "dialing-out";
  }
  if (p.state == CallState::kRinging) {
    return "alerting";
  }
  if (p.state == CallState::kConnecting || p.awaiting_pin) {
    return "dialing-in";  // answered, not yet in the mix (no ACK, or no PIN yet)
  }
  if (p.on_hold) {
    return "on-hold";
  }
  return p.muted ? "muted-via-focus" : "connected";
}

// The stream's direction seen from the endpoint (RFC 3264 words): what it says reaches the
// room (not muted, not on hold) and whether it hears the room (not deaf, not on hold).
std::string mediaStatus(const ParticipantView& p) {
  const bool sends = !p.muted && !p.on_hold;
  const bool receives = !p.deaf && !p.on_hold;
  if (sends && receives) {
    return "sendrecv";
  }
  if (sends) {
    return "sendonly";
  }
  return receives ? "recvonly" : "inactive";
}

void endpoint(std::string& out, const std::string& aor, const ParticipantView& p) {
  out += "<endpoint entity=\"" + xmlText(endpointEntity(aor, p.id)) + "\" state=\"full\">";
  if (!p.display_name.empty()) {
    element(out, "display-text", p.display_name);
  }
  element(out, "status", endpointStatus(p));
  const bool we_called = p.direction == "out";
  element(out, "joining-method", we_called ? "dialed-out" : "dialed-in");
  if (!p.joined_at.empty()) {
    out += "<joining-info>";
    element(out, "when", p.joined_at);
    element(out, "reason", p.via);  // dial-in, dial-out, refer, replaces
    out += "</joining-info>";
  }
  out += "<media id=\"1\">";
  element(out, "type", "audio");
  element(out, "label", "audio");
  if (p.ssrc != 0) {
    element(out, "src-id", std::to_string(p.ssrc));
  }
  element(out, "status", mediaStatus(p));
  out += "</media></endpoint>";
}

void userOpen(std::string& out, const std::string& aor, const char* state,
              const std::string& display) {
  out += "<user entity=\"" + xmlText(aor) + "\" state=\"" + state + "\">";
  if (!display.empty()) {
    element(out, "display-text", display);
  }
}

std::string documentOpen(const ConferenceInfoRoom& room, const char* state, std::uint32_t version) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += std::string("<conference-info xmlns=\"") + kNamespace + "\" entity=\"" +
         xmlText(room.entity) + "\" state=\"" + state + "\" version=\"" + std::to_string(version) +
         "\">";
  return out;
}

void conferenceState(std::string& out, const ConferenceInfoRoom& room) {
  out += "<conference-state>";
  element(out, "user-count", std::to_string(room.user_count));
  element(out, "active", room.user_count > 0 ? "true" : "false");
  element(out, "locked", room.locked ? "true" : "false");
  out += "</conference-state>";
}

}  // namespace

std::string endpointEntity(const std::string& aor, mixer::ParticipantId id) {
  // A URI parameter keeps it a URI for readers that parse it; before any ?headers.
  const std::size_t headers = aor.find('?');
  return aor.substr(0, headers) + ";participant=" + id.text() +
         (headers == std::string::npos ? "" : aor.substr(headers));
}

std::string conferenceInfoFull(const ConferenceInfoRoom& room,
                               const std::vector<ParticipantView>& participants,
                               std::uint32_t version) {
  std::string out = documentOpen(room, "full", version);
  out += "<conference-description>";
  element(out, "display-text", room.name);
  out += "<conf-uris><entry>";
  element(out, "uri", room.entity);
  element(out, "purpose", "participation");
  out += "</entry></conf-uris>";
  if (room.max_participants) {
    element(out, "maximum-user-count", std::to_string(*room.max_participants));
  }
  out += "<available-media><entry label=\"audio\">";
  element(out, "type", "audio");
  element(out, "status", "sendrecv");
  out += "</entry></available-media></conference-description>";
  conferenceState(out, room);
  // Users in order of their first endpoint's arrival, each with all its endpoints.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const ParticipantView*>> users;
  for (const auto& p : participants) {
    auto& list = users[p.from_uri];
    if (list.empty()) {
      order.push_back(p.from_uri);
    }
    list.push_back(&p);
  }
  out += "<users>";
  for (const auto& aor : order) {
    const auto& list = users[aor];
    userOpen(out, aor, "full", list.front()->display_name);
    for (const auto* p : list) {
      endpoint(out, aor, *p);
    }
    out += "</user>";
  }
  out += "</users></conference-info>\n";
  return out;
}

std::string conferenceInfoPartial(const ConferenceInfoRoom& room,
                                  const std::vector<EndpointChange>& changes,
                                  std::uint32_t version) {
  std::string out = documentOpen(room, "partial", version);
  conferenceState(out, room);
  out += "<users state=\"partial\">";
  for (const auto& change : changes) {
    if (!change.now && change.last_of_user) {
      out += "<user entity=\"" + xmlText(change.aor) + "\" state=\"deleted\"/>";
      continue;
    }
    userOpen(out, change.aor, "partial", change.now ? change.now->display_name : "");
    if (change.now) {
      endpoint(out, change.aor, *change.now);
    } else {
      out += "<endpoint entity=\"" + xmlText(endpointEntity(change.aor, change.id)) +
             "\" state=\"deleted\"/>";
    }
    out += "</user>";
  }
  out += "</users></conference-info>\n";
  return out;
}

}  // namespace mcu::conference
