#include "mcu/store/room_row_mapping.h"

#include "mcu/common/text.h"
#include "mcu/store/db_request.h"

namespace mcu::store {

const std::string& roomRecordColumns() {
  static const std::string columns =
      std::string(
          "name, display_name, pin_hash, max_participants, locked, on_demand,"
          " array_to_string(codec_preference, ','), mixing::text, version,"
          " to_char(created_at AT TIME ZONE 'UTC', ") +
      kIsoFormat + "), to_char(updated_at AT TIME ZONE 'UTC', " + kIsoFormat +
      "), (mixing->>'max_speakers')::int, srtp, entry_exit_tones, moderator_pin_hash,"
      " mute_on_entry, wait_for_moderator, end_with_last_moderator, end_grace_s,"
      " coalesce((SELECT string_agg(key || '=' || value, ',' ORDER BY key)"
      "   FROM jsonb_each_text(dtmf_menu)), ''), music,"
      " (SELECT node FROM room_owners o WHERE o.room = rooms.name)";
  return columns;
}

RoomRecord roomRecordFromRow(const pqxx::row& r) {
  RoomRecord room;
  room.name = r[0].as<std::string>();
  room.display_name = r[1].as<std::string>();
  if (!r[2].is_null()) {
    room.pin_hash = r[2].as<std::string>();
  }
  if (!r[3].is_null()) {
    room.max_participants = r[3].as<int>();
  }
  room.locked = r[4].as<bool>();
  room.on_demand = r[5].as<bool>();
  // Named: splitList's views point into it, and a temporary here died before the loop ran
  // (ASan caught it in the test command).
  const auto codecs = r[6].as<std::string>();
  for (const std::string_view codec : text::splitList(codecs)) {
    room.codec_preference.emplace_back(codec);
  }
  room.mixing_json = r[7].as<std::string>();
  room.version = r[8].as<std::int64_t>();
  room.created_at = r[9].as<std::string>();
  room.updated_at = r[10].as<std::string>();
  if (!r[11].is_null()) {
    room.max_speakers = r[11].as<int>();
  }
  if (!r[12].is_null()) {
    room.srtp = r[12].as<std::string>();
  }
  if (!r[13].is_null()) {
    room.entry_exit_tones = r[13].as<bool>();
  }
  if (!r[14].is_null()) {
    room.moderator_pin_hash = r[14].as<std::string>();
  }
  room.mute_on_entry = r[15].as<bool>();
  room.wait_for_moderator = r[16].as<bool>();
  room.end_with_last_moderator = r[17].as<bool>();
  room.end_grace_s = r[18].as<int>();
  // "mute=*6,hand=" : no key or action holds ',' or '=' (the API checks them).
  const auto menu = r[19].as<std::string>();
  for (const std::string_view pair : text::splitList(menu)) {
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos) {
      room.dtmf_menu.emplace(pair.substr(0, equals), pair.substr(equals + 1));
    }
  }
  if (!r[20].is_null()) {
    room.music = r[20].as<std::string>();
  }
  if (!r[21].is_null()) {
    room.node = r[21].as<std::string>();
  }
  return room;
}

}  // namespace mcu::store
