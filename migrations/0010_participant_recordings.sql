-- A recording of one participant's own voice (POST /v1/rooms/{name}/participants/{id}/recordings)
-- names that participant; null for a recording of the room's mix.
ALTER TABLE recordings ADD COLUMN participant_id bigint;
