-- Where a pledge's reward is delivered (an ISO 3166-1 alpha-2 code; NULL for a reward that
-- is not delivered, or a destination not given), and what delivery cost: part of its
-- amount, once per pledge.
ALTER TABLE pledges ADD COLUMN ship_to TEXT;
ALTER TABLE pledges ADD COLUMN shipping BIGINT NOT NULL DEFAULT 0;
