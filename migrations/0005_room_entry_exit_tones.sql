-- Per-room entry and exit tones (heard by the room when a caller joins or leaves): NULL follows
-- the server's rooms.entry_exit_tones.
ALTER TABLE rooms
    ADD COLUMN entry_exit_tones boolean;
