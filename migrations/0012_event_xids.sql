-- Events of several nodes (issue 16): a stream reads the events table in id order, and two
-- nodes' inserts can commit out of that order (ids are taken at the insert). A stream that
-- has passed id 101 would never see 100 committed after it. Each event keeps the transaction
-- that wrote it, and in a cluster a stream reads only events of transactions older than every
-- transaction still running (pg_snapshot_xmin), which are settled: no earlier id can appear
-- after them. Old rows have none (NULL: settled long ago). Adding the column without a default
-- and setting the default after leaves the existing rows as they are (no table rewrite).
ALTER TABLE events ADD COLUMN xid xid8;
ALTER TABLE events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
