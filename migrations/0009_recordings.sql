-- Recordings of rooms (issue 15 item 4): one row per recording, its file in the server's
-- recordings.dir. 'recording' until the file is finalised; a row a crash left 'recording' is
-- closed by the next start of its node (stop_reason server_restart).
CREATE TABLE recordings (
    id bigserial PRIMARY KEY,
    room_name text NOT NULL,
    format text NOT NULL CHECK (format IN ('ogg', 'wav')),
    file text NOT NULL,
    node text NOT NULL,
    state text NOT NULL DEFAULT 'recording' CHECK (state IN ('recording', 'done')),
    stop_reason text,
    participants jsonb NOT NULL DEFAULT '[]',
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    duration_ms bigint,
    size_bytes bigint
);
CREATE INDEX recordings_room_started ON recordings (room_name, started_at);
