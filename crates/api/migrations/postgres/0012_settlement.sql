-- A campaign is settled once, after its end: its outcome (`succeeded` or `failed`) is
-- recorded with the events that tell of it, in one transaction, by whichever replica
-- gets there first.
ALTER TABLE campaigns ADD COLUMN settled_at BIGINT;
ALTER TABLE campaigns ADD COLUMN outcome TEXT;
