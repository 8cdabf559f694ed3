-- 0004: rooms that strangers made by INVITE are purged after rooms.on_demand_ttl_s, while the
-- history of their calls stays. So a call carries its room's name itself, and a call or an
-- event outlives the room row (its room_id becomes NULL).
ALTER TABLE calls ADD COLUMN room_name text;
UPDATE calls c SET room_name = r.name FROM rooms r WHERE r.id = c.room_id;
ALTER TABLE calls ALTER COLUMN room_name SET NOT NULL;
ALTER TABLE calls ALTER COLUMN room_id DROP NOT NULL;
ALTER TABLE calls DROP CONSTRAINT calls_room_id_fkey,
    ADD CONSTRAINT calls_room_id_fkey FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE SET NULL;
ALTER TABLE events DROP CONSTRAINT events_room_id_fkey,
    ADD CONSTRAINT events_room_id_fkey FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE SET NULL;
-- How each call came in (dial-in, dial-out, refer, replaces), as the live view says it.
ALTER TABLE calls ADD COLUMN via text NOT NULL DEFAULT 'dial-in'
    CHECK (via IN ('dial-in', 'dial-out', 'refer', 'replaces', 'line'));
UPDATE calls SET via = 'dial-out' WHERE direction = 'out';
-- History by room name, newest first; and the purge's scan of ended on-demand rooms.
CREATE INDEX calls_room_name_idx ON calls (room_name, id DESC);
CREATE INDEX rooms_on_demand_ended_idx ON rooms (deleted_at) WHERE on_demand AND deleted_at IS NOT NULL;
