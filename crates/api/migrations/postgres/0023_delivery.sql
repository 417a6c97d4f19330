-- A backer's survey, kept on the pledge: the address the reward is sent to and the answers
-- (JSON; NULL until given), and when they were last saved. `received_at` is when the
-- backer said the reward arrived; `delivered_at` when it counted as delivered (then, or
-- 30 days after its last parcel left), told once. `erased_at` is when the backer's
-- personal data was erased (on request, or the address after its retention).
ALTER TABLE pledges ADD COLUMN address TEXT;
ALTER TABLE pledges ADD COLUMN answers TEXT;
ALTER TABLE pledges ADD COLUMN surveyed_at BIGINT;
ALTER TABLE pledges ADD COLUMN received_at BIGINT;
ALTER TABLE pledges ADD COLUMN delivered_at BIGINT;
ALTER TABLE pledges ADD COLUMN erased_at BIGINT;
CREATE INDEX pledges_delivered ON pledges (delivered_at) WHERE delivered_at IS NOT NULL AND address IS NOT NULL;

-- What was sent to a backer: one row per parcel, and a pledge may have several (a partial
-- shipment names its items). The same carrier and tracking number for the same pledge is
-- the same parcel, so importing a file twice adds nothing.
CREATE TABLE shipments (
    pledge_id       TEXT NOT NULL REFERENCES pledges(id),
    campaign_id     TEXT NOT NULL,
    carrier         TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    items           TEXT NOT NULL DEFAULT '',
    shipped_at      BIGINT NOT NULL,
    PRIMARY KEY (pledge_id, carrier, tracking_number)
);
CREATE INDEX shipments_campaign ON shipments (campaign_id, shipped_at);
