#include "mcu/store/room_records.h"

#include "mcu/store/db_request.h"
#include "mcu/store/room_row_mapping.h"

namespace mcu::store {
namespace {

std::string joinCommas(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : ",") + item;
  }
  return out;
}

// Every field as a (given?, value) pair of text parameters; NULLIF('') stands for SQL NULL.
struct FieldParams {
  explicit FieldParams(const RoomFields& f)
      : display_name(f.display_name.value_or("")),
        pin_hash(f.pin_hash && *f.pin_hash ? **f.pin_hash : ""),
        max_participants(
            f.max_participants && *f.max_participants ? std::to_string(**f.max_participants) : ""),
        locked(f.locked.value_or(false)),
        on_demand(f.on_demand.value_or(false)),
        codecs(f.codec_preference ? joinCommas(*f.codec_preference) : ""),
        mixing(f.mixing_json.value_or("{}")),
        srtp(f.srtp && *f.srtp ? **f.srtp : ""),
        tones(f.entry_exit_tones && *f.entry_exit_tones ? (**f.entry_exit_tones ? "t" : "f") : ""),
        moderator_pin_hash(f.moderator_pin_hash && *f.moderator_pin_hash ? **f.moderator_pin_hash
                                                                         : ""),
        mute_on_entry(f.mute_on_entry.value_or(false)),
        wait_for_moderator(f.wait_for_moderator.value_or(false)),
        end_with_last_moderator(f.end_with_last_moderator.value_or(false)),
        end_grace_s(f.end_grace_s.value_or(0)),
        dtmf_menu(f.dtmf_menu_json.value_or("{}")),
        music_null(!f.music || !*f.music),
        music(f.music && *f.music ? **f.music : "") {}
  std::string display_name;
  std::string pin_hash;
  std::string max_participants;
  bool locked;
  bool on_demand;
  std::string codecs;
  std::string mixing;
  std::string srtp;
  std::string tones;  // "t", "f", or "" for NULL
  std::string moderator_pin_hash;
  bool mute_on_entry;
  bool wait_for_moderator;
  bool end_with_last_moderator;
  int end_grace_s;
  std::string dtmf_menu;
  bool music_null;  // '' is a value here (no music), so NULL is a flag of its own
  std::string music;
};

bool liveRoomExists(pqxx::transaction_base& txn, const std::string& name) {
  return !txn.exec_params("SELECT 1 FROM rooms WHERE name = $1 AND deleted_at IS NULL", name)
              .empty();
}

std::string versionParam(std::optional<std::int64_t> v) { return v ? std::to_string(*v) : ""; }

}  // namespace

RoomRow RoomRecord::policy() const {
  RoomRow row;
  row.name = name;
  row.locked = locked;
  row.max_participants = max_participants;
  row.pin = pin_hash;
  row.on_demand = on_demand;
  row.codec_preference = codec_preference;
  row.max_speakers = max_speakers;
  row.srtp = srtp;
  row.entry_exit_tones = entry_exit_tones;
  row.moderator_pin = moderator_pin_hash;
  row.mute_on_entry = mute_on_entry;
  row.wait_for_moderator = wait_for_moderator;
  row.end_with_last_moderator = end_with_last_moderator;
  row.end_grace_s = end_grace_s;
  row.dtmf_menu = dtmf_menu;
  row.music = music;
  return row;
}

DbResult<std::vector<RoomRecord>> RoomRecords::list(const RoomQuery& query) {
  const bool restricted = query.only.has_value();
  const std::string only = restricted ? joinCommas(*query.only) : "";
  auto rows = requestFromDb<std::vector<RoomRecord>>(
      worker_, "list rooms",
      [query, only, restricted](DbSession& s) {
        pqxx::read_transaction txn(s.connection());
        std::vector<RoomRecord> rooms;
        for (const auto& r : txn.exec_params(
                 "SELECT " + roomRecordColumns() +
                     " FROM rooms WHERE deleted_at IS NULL AND starts_with(name, $1)"
                     " AND name > $2 AND (NOT $3 OR name = ANY (string_to_array($4, ',')))"
                     " ORDER BY name LIMIT $5",
                 query.name_prefix, query.after_name, restricted, only, query.limit + 1)) {
          rooms.push_back(roomRecordFromRow(r));
        }
        return rooms;
      },
      timeout_);
  if (!rows) {
    return {};
  }
  return {DbOutcome::kOk, std::move(*rows)};
}

DbResult<RoomRecord> RoomRecords::get(const std::string& name) {
  auto found = requestFromDb<std::optional<RoomRecord>>(
      worker_, "get room",
      [name](DbSession& s) -> std::optional<RoomRecord> {
        pqxx::read_transaction txn(s.connection());
        const auto rows = txn.exec_params(
            "SELECT " + roomRecordColumns() + " FROM rooms WHERE name = $1 AND deleted_at IS NULL",
            name);
        if (rows.empty()) {
          return std::nullopt;
        }
        return roomRecordFromRow(rows[0]);
      },
      timeout_);
  return resultOf(std::move(found), DbOutcome::kNotFound);
}

DbResult<RoomRecord> RoomRecords::create(const std::string& name, const RoomFields& fields) {
  const FieldParams p(fields);
  auto created = requestFromDb<std::optional<RoomRecord>>(
      worker_, "create room",
      [name, p](DbSession& s) -> std::optional<RoomRecord> {
        pqxx::work txn(s.connection());
        const auto rows = txn.exec_params(
            "INSERT INTO rooms (name, display_name, pin_hash, max_participants, locked,"
            " on_demand, codec_preference, mixing, srtp, entry_exit_tones, moderator_pin_hash,"
            " mute_on_entry, wait_for_moderator, end_with_last_moderator, end_grace_s, dtmf_menu,"
            " music) VALUES ($1, $2,"
            " NULLIF($3, ''), NULLIF($4, '')::int, $5, $6, string_to_array($7, ','), $8::jsonb,"
            " NULLIF($9, ''), NULLIF($10, '')::boolean, NULLIF($11, ''), $12, $13, $14, $15,"
            " $16::jsonb, CASE WHEN $17 THEN NULL ELSE $18 END)"
            " ON CONFLICT (name) WHERE deleted_at IS NULL DO NOTHING RETURNING " +
                roomRecordColumns(),
            name, p.display_name, p.pin_hash, p.max_participants, p.locked, p.on_demand, p.codecs,
            p.mixing, p.srtp, p.tones, p.moderator_pin_hash, p.mute_on_entry, p.wait_for_moderator,
            p.end_with_last_moderator, p.end_grace_s, p.dtmf_menu, p.music_null, p.music);
        txn.commit();
        if (rows.empty()) {
          return std::nullopt;
        }
        return roomRecordFromRow(rows[0]);
      },
      timeout_);
  return resultOf(std::move(created), DbOutcome::kConflict);
}

DbResult<RoomRecord> RoomRecords::update(const std::string& name, const RoomFields& fields,
                                         std::optional<std::int64_t> if_version) {
  const FieldParams p(fields);
  const std::string version = versionParam(if_version);
  auto outcome = requestFromDb<DbResult<RoomRecord>>(
      worker_, "update room",
      [name, fields, p, version](DbSession& s) -> DbResult<RoomRecord> {
        pqxx::work txn(s.connection());
        const auto rows = txn.exec_params(
            "UPDATE rooms SET"
            " display_name = CASE WHEN $2 THEN $3 ELSE display_name END,"
            " pin_hash = CASE WHEN $4 THEN NULLIF($5, '') ELSE pin_hash END,"
            " max_participants = CASE WHEN $6 THEN NULLIF($7, '')::int"
            "   ELSE max_participants END,"
            " locked = CASE WHEN $8 THEN $9 ELSE locked END,"
            " on_demand = CASE WHEN $10 THEN $11 ELSE on_demand END,"
            " codec_preference = CASE WHEN $12 THEN string_to_array($13, ',')"
            "   ELSE codec_preference END,"
            " mixing = CASE WHEN $14 THEN $15::jsonb ELSE mixing END,"
            " srtp = CASE WHEN $17 THEN NULLIF($18, '') ELSE srtp END,"
            " entry_exit_tones = CASE WHEN $19 THEN NULLIF($20, '')::boolean"
            "   ELSE entry_exit_tones END,"
            " moderator_pin_hash = CASE WHEN $21 THEN NULLIF($22, '') ELSE moderator_pin_hash END,"
            " mute_on_entry = CASE WHEN $23 THEN $24 ELSE mute_on_entry END,"
            " wait_for_moderator = CASE WHEN $25 THEN $26 ELSE wait_for_moderator END,"
            " end_with_last_moderator = CASE WHEN $27 THEN $28 ELSE end_with_last_moderator END,"
            " end_grace_s = CASE WHEN $29 THEN $30 ELSE end_grace_s END,"
            " dtmf_menu = CASE WHEN $31 THEN $32::jsonb ELSE dtmf_menu END,"
            " music = CASE WHEN $33 THEN (CASE WHEN $34 THEN NULL ELSE $35 END) ELSE music END,"
            " version = version + 1, updated_at = now()"
            " WHERE name = $1 AND deleted_at IS NULL"
            " AND (NULLIF($16, '') IS NULL OR version = NULLIF($16, '')::bigint)"
            " RETURNING " +
                roomRecordColumns(),
            name, fields.display_name.has_value(), p.display_name, fields.pin_hash.has_value(),
            p.pin_hash, fields.max_participants.has_value(), p.max_participants,
            fields.locked.has_value(), p.locked, fields.on_demand.has_value(), p.on_demand,
            fields.codec_preference.has_value(), p.codecs, fields.mixing_json.has_value(), p.mixing,
            version, fields.srtp.has_value(), p.srtp, fields.entry_exit_tones.has_value(), p.tones,
            fields.moderator_pin_hash.has_value(), p.moderator_pin_hash,
            fields.mute_on_entry.has_value(), p.mute_on_entry,
            fields.wait_for_moderator.has_value(), p.wait_for_moderator,
            fields.end_with_last_moderator.has_value(), p.end_with_last_moderator,
            fields.end_grace_s.has_value(), p.end_grace_s, fields.dtmf_menu_json.has_value(),
            p.dtmf_menu, fields.music.has_value(), p.music_null, p.music);
        if (rows.empty()) {
          const bool exists = liveRoomExists(txn, name);
          return {exists ? DbOutcome::kStale : DbOutcome::kNotFound, {}};
        }
        txn.commit();
        return {DbOutcome::kOk, roomRecordFromRow(rows[0])};
      },
      timeout_);
  return outcome ? std::move(*outcome) : DbResult<RoomRecord>{};
}

DbResult<RoomRecord> RoomRecords::remove(const std::string& name,
                                         std::optional<std::int64_t> if_version) {
  const std::string version = versionParam(if_version);
  auto outcome = requestFromDb<DbResult<RoomRecord>>(
      worker_, "delete room",
      [name, version](DbSession& s) -> DbResult<RoomRecord> {
        pqxx::work txn(s.connection());
        const auto rows = txn.exec_params(
            "UPDATE rooms SET deleted_at = now(), version = version + 1, updated_at = now()"
            " WHERE name = $1 AND deleted_at IS NULL"
            " AND (NULLIF($2, '') IS NULL OR version = NULLIF($2, '')::bigint) RETURNING " +
                roomRecordColumns(),
            name, version);
        if (rows.empty()) {
          const bool exists = liveRoomExists(txn, name);
          return {exists ? DbOutcome::kStale : DbOutcome::kNotFound, {}};
        }
        txn.commit();
        return {DbOutcome::kOk, roomRecordFromRow(rows[0])};
      },
      timeout_);
  return outcome ? std::move(*outcome) : DbResult<RoomRecord>{};
}

}  // namespace mcu::store
