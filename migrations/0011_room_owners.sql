-- Several nodes on one database (issue 16): a node holds a lease it renews about every second,
-- and a room lives on the one node that owns it. A node may claim a room that is free or
-- whose owner's lease has expired (the database's clock decides); each change of owner bumps
-- the room's epoch, and a node's writes about a room carry the epoch it claimed, so a node
-- that lost its lease cannot overwrite the new owner's state. Rows are never deleted: a room
-- given back has node NULL and keeps its epoch, which only grows.
ALTER TABLE nodes
    ADD COLUMN lease_until timestamptz NOT NULL DEFAULT '-infinity',
    ADD COLUMN http_url text NOT NULL DEFAULT '',
    ADD COLUMN state text NOT NULL DEFAULT 'up' CHECK (state IN ('up', 'draining'));

CREATE TABLE room_owners (
    room       text PRIMARY KEY,
    node       text REFERENCES nodes (id),
    epoch      bigint NOT NULL DEFAULT 0 CHECK (epoch >= 0),
    claimed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX room_owners_node_idx ON room_owners (node);
