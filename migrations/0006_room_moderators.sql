-- Meeting controls (issue 15): a moderator PIN beside the room's PIN (stored salted and hashed
-- like it), and the room's meeting options as one object merged on update, so a PATCH of one
-- option leaves the others: mute_on_entry, wait_for_moderator, end_with_last_moderator,
-- end_grace_s.
ALTER TABLE rooms
    ADD COLUMN moderator_pin_hash text,
    ADD COLUMN meeting jsonb NOT NULL DEFAULT '{}';
