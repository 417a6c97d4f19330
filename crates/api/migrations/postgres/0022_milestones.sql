-- A campaign's production timeline, as its creator last set it: a JSON list of steps
-- (`[{"id","title","due","state"}]`), read beside the tribe and the newest update.
ALTER TABLE campaigns ADD COLUMN milestones TEXT NOT NULL DEFAULT '[]';
