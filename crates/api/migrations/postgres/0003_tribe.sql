-- The tribe: each backer's recruits, counted on their pledge row in the pledges' own
-- transaction. See migrations/sqlite.
ALTER TABLE pledges ADD COLUMN recruits BIGINT NOT NULL DEFAULT 0 CHECK (recruits >= 0);
ALTER TABLE pledges ADD COLUMN recruited_amount BIGINT NOT NULL DEFAULT 0 CHECK (recruited_amount >= 0);
CREATE INDEX pledges_by_recruits ON pledges (campaign_id, recruits, recruited_amount) WHERE recruits > 0;
