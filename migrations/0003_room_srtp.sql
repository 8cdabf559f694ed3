-- Per-room SRTP policy (SDES, RFC 4568): NULL follows the server's media.srtp.
ALTER TABLE rooms
    ADD COLUMN srtp text CHECK (srtp IN ('off', 'optional', 'required'));
