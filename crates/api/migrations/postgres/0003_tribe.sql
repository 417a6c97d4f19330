-- The tribe: each backer's recruits, counted on their pledge row in the pledges' own
-- transaction. See migrations/sqlite.
ALTER TABLE pledges ADD COLUMN recruits BIGINT NOT NULL DEFAULT 0 CHECK (recruits >= 0);
ALTER TABLE pledges ADD COLUMN recruited_amount BIGINT NOT NULL DEFAULT 0 CHECK (recruited_amount >= 0);
CREATE INDEX pledges_by_recruits ON pledges (campaign_id, recruits, recruited_amount) WHERE recruits > 0;
-- The wall reads a campaign's newest live public pledges: indexed apart, in time order, so
-- reading it never walks the private ones.
CREATE INDEX pledges_on_wall ON pledges (campaign_id, id) WHERE public AND cancelled_at IS NULL;
-- Grows whenever what the view shows beside the numbers changes (the tribe, the newest
-- update), in the same transaction: a reader that has this version has all of it.
ALTER TABLE campaigns ADD COLUMN extras_version BIGINT NOT NULL DEFAULT 0;
