-- Waitlists (候补): fans waiting for a sold-out limited tier, in the order they joined.
-- `waiting` is how many entries of a tier wait (the public count); `queued` the last
-- place given, so places are never reused. An entry moves once from `waiting` to
-- `offered` (its units claimed on the tier, held until `offer_expires_at`) and from
-- there to `converted` (`pledge_id` is the pledge it became) or `expired`; or it is
-- `left` by its fan. `request` is the pledge it asks for, as the API took it; the fan's
-- token opens it by `secret_hash` (or `mail_hash`, the link its offer mail carried), and
-- opens the pledge it becomes with the same secret. `converts` marks an offer of a campaign
-- without payments, which the server's round turns into a pledge at once.
ALTER TABLE tiers ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0 CHECK (waiting >= 0);
ALTER TABLE tiers ADD COLUMN queued INTEGER NOT NULL DEFAULT 0;

CREATE TABLE waitlist (
    id               TEXT PRIMARY KEY,
    campaign_id      TEXT NOT NULL REFERENCES campaigns(id),
    tier_id          TEXT NOT NULL,
    position         INTEGER NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    name             TEXT NOT NULL,
    contact          TEXT NOT NULL,
    request          TEXT NOT NULL,
    client           TEXT,
    lang             TEXT NOT NULL,
    secret_hash      TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('waiting', 'offered', 'converted', 'expired', 'left')),
    joined_at        INTEGER NOT NULL,
    offered_at       INTEGER,
    offer_expires_at INTEGER,
    pledge_id        TEXT,
    mail_hash        TEXT,
    converts         INTEGER NOT NULL DEFAULT 0,
    ended_at         INTEGER,
    UNIQUE (campaign_id, tier_id, position)
);
CREATE INDEX waitlist_queue ON waitlist (campaign_id, tier_id, state, position);
CREATE INDEX waitlist_offers ON waitlist (offer_expires_at) WHERE state = 'offered';
CREATE INDEX waitlist_converting ON waitlist (offered_at) WHERE state = 'offered' AND converts = 1;
CREATE INDEX waitlist_contact ON waitlist (campaign_id, tier_id, contact);
CREATE INDEX waitlist_client ON waitlist (campaign_id, tier_id, client);
