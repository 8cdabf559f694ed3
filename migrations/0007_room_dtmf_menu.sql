-- The keypad menu's keys per room (issue 15 item 5): action name -> "*6", "" for off; what a
-- room does not name keeps its default key.
ALTER TABLE rooms
    ADD COLUMN dtmf_menu jsonb NOT NULL DEFAULT '{}';
