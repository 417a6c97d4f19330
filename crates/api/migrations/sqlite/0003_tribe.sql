-- The tribe: each backer's recruits (live pledges made through their link, not their own)
-- are counted on their pledge row, in the same transaction as the pledges that bring them.
ALTER TABLE pledges ADD COLUMN recruits INTEGER NOT NULL DEFAULT 0 CHECK (recruits >= 0);
ALTER TABLE pledges ADD COLUMN recruited_amount INTEGER NOT NULL DEFAULT 0 CHECK (recruited_amount >= 0);
-- The leaderboard reads the top recruiters of a campaign; only backers who recruited are indexed.
CREATE INDEX pledges_by_recruits ON pledges (campaign_id, recruits, recruited_amount) WHERE recruits > 0;
-- The wall reads a campaign's newest live public pledges: indexed apart, in time order, so
-- reading it never walks the private ones.
CREATE INDEX pledges_on_wall ON pledges (campaign_id, id) WHERE public AND cancelled_at IS NULL;
-- Grows whenever what the view shows beside the numbers changes (the tribe, the newest
-- update), in the same transaction: a reader that has this version has all of it.
ALTER TABLE campaigns ADD COLUMN extras_version INTEGER NOT NULL DEFAULT 0;
