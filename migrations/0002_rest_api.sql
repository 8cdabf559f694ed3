-- 0002: what the REST API needs.
--
-- A deleted room keeps its row (call history stays joinable), so its name must be free for a
-- new room: uniqueness holds among live rooms only.
ALTER TABLE rooms DROP CONSTRAINT rooms_name_key;
CREATE UNIQUE INDEX rooms_live_name_idx ON rooms (name) WHERE deleted_at IS NULL;

-- Events are replayed by id (SSE Last-Event-ID) and pruned by age; calls are listed newest first.
CREATE INDEX calls_id_desc_idx ON calls (id DESC);
ALTER TABLE events ADD COLUMN room_name text;
