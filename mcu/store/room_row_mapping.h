// A row of the rooms table as a RoomRecord: its columns and their mapping, written once for the
// REST API's reads and writes (RoomRecords) and the conference's policies (ConferenceStore,
// through RoomRecord::policy()); they were two mappings of the same row.
#pragma once

#include <pqxx/pqxx>
#include <string>

#include "mcu/store/room_records.h"

namespace mcu::store {

// For "SELECT <columns> FROM rooms ..." and "RETURNING <columns>".
const std::string& roomRecordColumns();
RoomRecord roomRecordFromRow(const pqxx::row& r);

}  // namespace mcu::store
