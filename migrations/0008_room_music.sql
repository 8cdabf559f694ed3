-- Music a room hears while a caller is alone or everyone waits for the moderator (issue 15
-- item 2): a file name in the server's prompts.dir; '' for none; NULL follows the server's
-- prompts.music.
ALTER TABLE rooms
    ADD COLUMN music text;
