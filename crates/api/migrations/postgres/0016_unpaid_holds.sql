-- Units of a limited tier held by live pledges awaiting payment, counted at every pledge
-- for the bound on unpaid holds: only such pledges are in this index, so it stays small.
CREATE INDEX pledges_unpaid ON pledges (campaign_id, tier_id)
    WHERE payment_status IN ('pending', 'failed') AND cancelled_at IS NULL;
