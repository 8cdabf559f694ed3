-- Meeting controls (issue 15): a moderator PIN beside the room's PIN (stored salted and hashed
-- like it), and the room's meeting options, each its own column.
ALTER TABLE rooms
    ADD COLUMN moderator_pin_hash text,
    ADD COLUMN mute_on_entry boolean NOT NULL DEFAULT false,
    ADD COLUMN wait_for_moderator boolean NOT NULL DEFAULT false,
    ADD COLUMN end_with_last_moderator boolean NOT NULL DEFAULT false,
    ADD COLUMN end_grace_s integer NOT NULL DEFAULT 0 CHECK (end_grace_s BETWEEN 0 AND 600);
