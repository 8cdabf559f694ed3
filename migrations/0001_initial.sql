-- 0001: the tables the first issues need. Forward-only: a later change is a new numbered file.
--
-- Sized for a year of call history: calls and events are append-mostly and queried by time and
-- room, so they get bigint identity keys, btree indexes on (room, time) for per-room history and
-- BRIN indexes on time for retention pruning, which stay tiny on insert-ordered tables.

-- Which server process owns a room's media right now (several nodes may share one database).
CREATE TABLE nodes (
    id           text PRIMARY KEY,
    sip_address  text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rooms (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text NOT NULL UNIQUE
                      CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    display_name      text NOT NULL DEFAULT '' CHECK (length(display_name) <= 128),
    pin_hash          text,                 -- NULL: no PIN
    max_participants  integer CHECK (max_participants IS NULL OR max_participants BETWEEN 1 AND 10000),
    locked            boolean NOT NULL DEFAULT false,
    on_demand         boolean NOT NULL DEFAULT false, -- created by an INVITE, not by an admin
    codec_preference  text[] NOT NULL DEFAULT '{}',   -- empty: the server's default order
    mixing            jsonb NOT NULL DEFAULT '{}'::jsonb, -- top-K, gains, options per room
    owner_node        text REFERENCES nodes (id) ON DELETE SET NULL,
    version           bigint NOT NULL DEFAULT 1,      -- bumped on every change: the REST ETag
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz                     -- soft delete keeps call history joinable
);

-- One row per participant leg (one media stream); a SIP dialog may carry several.
CREATE TABLE calls (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id          bigint NOT NULL REFERENCES rooms (id),
    node_id          text,
    call_id          text NOT NULL,                   -- SIP Call-ID of the dialog
    leg_index        smallint NOT NULL DEFAULT 0,     -- m= line within the dialog
    direction        text NOT NULL CHECK (direction IN ('in', 'out')),
    from_uri         text NOT NULL,
    display_name     text NOT NULL DEFAULT '',
    codec            text,
    remote_media     text,                            -- address:port of the far RTP end
    joined_at        timestamptz NOT NULL DEFAULT now(),
    left_at          timestamptz,
    leave_reason     text,
    stats            jsonb NOT NULL DEFAULT '{}'::jsonb, -- RTP/RTCP counters at the end
    UNIQUE (call_id, leg_index, joined_at)
);
CREATE INDEX calls_room_joined_idx ON calls (room_id, joined_at DESC);
CREATE INDEX calls_call_id_idx ON calls (call_id);
CREATE INDEX calls_joined_brin ON calls USING brin (joined_at);
CREATE INDEX calls_live_idx ON calls (room_id) WHERE left_at IS NULL;

-- Append-only log behind SSE replay and history; pruned by age.
CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    room_id     bigint REFERENCES rooms (id),
    call_row_id bigint REFERENCES calls (id),
    type        text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX events_room_id_idx ON events (room_id, id);
CREATE INDEX events_at_brin ON events USING brin (at);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    role         text NOT NULL CHECK (role IN ('admin', 'viewer')),
    token_hash   text NOT NULL UNIQUE,              -- SHA-256 of the secret; the secret is never stored
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE UNIQUE INDEX api_tokens_live_name_idx ON api_tokens (name) WHERE revoked_at IS NULL;
