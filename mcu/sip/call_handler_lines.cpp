// CallHandler, dialogs that carry several callers (RFC 3264 §8.1, §8.2): a trunk or gateway
// puts one caller on each audio line. Each line is a participant of its own with its own RTP
// port, controls and call record; a re-INVITE that adds a line adds a caller, and a line set
// to port 0 takes its caller out. Lines keep their index for the dialog's life (§8: an m= line
// is never removed, only disabled), which is how a line is known again.
#include <map>

#include "mcu/common/log.h"
#include "mcu/sip/call_handler.h"

namespace mcu::sip {
namespace {

constexpr std::string_view kComponent = "sip";

}  // namespace

std::optional<ExtraLine> CallHandler::joinLine(CallLeg& leg, const NegotiatedAudio& stream,
                                               bool awaiting_ack) {
  conference::JoinRequest request;
  request.room = leg.room;
  request.call_id = leg.call_id;
  request.from_uri = leg.from_uri;
  request.display_name = leg.display_name;
  request.pin = leg.pin;
  request.media = endpointFor(stream, leg.local);
  if (awaiting_ack) {
    request.media.receive = false;  // mixed from the dialog's ACK on, as its first line
  }
  request.awaiting_ack = awaiting_ack;
  request.source = leg.source;
  request.line = static_cast<int>(stream.line_index);
  const auto joined = conference_.join(request);
  if (joined.admission.status != 200) {
    log::info(kComponent, "line_refused")
        .kv("call_id", leg.call_id)
        .kv("line", static_cast<std::int64_t>(stream.line_index))
        .kv("reason", joined.admission.reason);
    return std::nullopt;
  }
  log::info(kComponent, "line_joined")
      .kv("call_id", leg.call_id)
      .kv("line", static_cast<std::int64_t>(stream.line_index))
      .kv("participant", static_cast<std::int64_t>(joined.participant.value()));
  return ExtraLine{joined.participant, stream, joined.local_port};
}

bool CallHandler::applyStreams(CallLeg& leg, std::vector<NegotiatedAudio> streams) {
  struct Seat {
    mixer::ParticipantId participant;
    std::uint16_t port;
  };
  // Who sits on each line now, by the line's index in the offers.
  std::map<std::size_t, Seat> seats{{leg.audio.line_index, {leg.participant, leg.local.port}}};
  for (const auto& line : leg.extra_lines) {
    seats[line.audio.line_index] = {line.participant, line.port};
  }
  // One caller before and one line now: the same caller, wherever its line sits (some phones
  // drop the lines we declined from their next offer, against RFC 3264 §8).
  if (seats.size() == 1 && streams.size() == 1 &&
      !leg.dropped_lines.contains(streams.front().line_index)) {
    const Seat only = seats.begin()->second;
    seats = {{streams.front().line_index, only}};
  }
  std::vector<ExtraLine> lines;
  for (auto& stream : streams) {
    if (leg.dropped_lines.contains(stream.line_index)) {
      continue;  // its caller was removed: port 0 until the dialog ends
    }
    if (const auto seat = seats.find(stream.line_index); seat != seats.end()) {
      lines.push_back({seat->second.participant, std::move(stream), seat->second.port});
      seats.erase(seat);
    } else if (auto joined = joinLine(leg, stream, false)) {
      lines.push_back(std::move(*joined));
    }
  }
  // Lines set to port 0, or no longer offered: their callers leave (RFC 3264 §8.2).
  for (const auto& [index, seat] : seats) {
    if (lines.empty() && seat.participant == leg.participant) {
      continue;  // the dialog ends with its BYE, and its first caller with it
    }
    conference_.leave(seat.participant, {conference::LeaveCause::kLineRemoved});
    log::info(kComponent, "line_removed")
        .kv("call_id", leg.call_id)
        .kv("line", static_cast<std::int64_t>(index));
  }
  if (lines.empty()) {
    leg.extra_lines.clear();
    return false;
  }
  // The first line left carries the dialog's own participant (REFER, Replaces, BYE use it).
  leg.participant = lines.front().participant;
  leg.audio = std::move(lines.front().audio);
  leg.local.port = lines.front().port;
  leg.extra_lines.assign(std::make_move_iterator(lines.begin() + 1),
                         std::make_move_iterator(lines.end()));
  conference_.update(leg.participant, endpointFor(leg.audio, leg.local));
  for (const auto& line : leg.extra_lines) {
    conference_.update(line.participant, endpointFor(line.audio, leg.local));
  }
  return true;
}

}  // namespace mcu::sip
