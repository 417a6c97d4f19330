-- The address a pledge came from (an IPv4 address or an IPv6 /64), for the per-address
-- cap on limited tiers; empty for pledges older than the cap.
ALTER TABLE pledges ADD COLUMN client TEXT;
CREATE INDEX pledges_by_client ON pledges (campaign_id, tier_id, client);
