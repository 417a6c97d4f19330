-- Sites are the host blogs: each has its own creator key and the origins allowed to frame its widgets.
CREATE TABLE sites (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    -- Space-separated origins for `Content-Security-Policy: frame-ancestors`; `*` allows any host.
    origins     TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

-- A campaign's definition is kept whole as JSON (domain::wire::CampaignInput); its live numbers
-- are columns so a pledge can change them in its own transaction.
CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    definition  TEXT NOT NULL,
    raised      INTEGER NOT NULL DEFAULT 0 CHECK (raised >= 0),
    backers     INTEGER NOT NULL DEFAULT 0 CHECK (backers >= 0),
    seq         INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

-- One row per tier: `claimed` never passes `max_claims`, which the pledge's conditional
-- UPDATE checks and this CHECK enforces a second time.
CREATE TABLE tiers (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    id          TEXT NOT NULL,
    max_claims  INTEGER,
    claimed     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, id),
    CHECK (claimed >= 0 AND (max_claims IS NULL OR claimed <= max_claims))
);

-- Demand per customisation value, the C2B signal the creator produces to.
CREATE TABLE option_values (
    campaign_id TEXT NOT NULL,
    tier_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    claimed     INTEGER NOT NULL DEFAULT 0 CHECK (claimed >= 0),
    PRIMARY KEY (campaign_id, tier_id, name, value),
    FOREIGN KEY (campaign_id, tier_id) REFERENCES tiers(campaign_id, id)
);

-- Every indexed key of a pledge grows with time (ids and referral codes start with the
-- time), so a batch of inserts appends to the right edge of each index instead of touching
-- a random page per row. The receipt secret is not indexed: a receipt token is the pledge
-- id followed by the secret, found by id and then compared.
CREATE TABLE pledges (
    id             TEXT PRIMARY KEY,
    campaign_id    TEXT NOT NULL REFERENCES campaigns(id),
    tier_id        TEXT,
    quantity       INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0),
    amount         INTEGER NOT NULL CHECK (amount > 0),
    options        TEXT NOT NULL,
    name           TEXT NOT NULL,
    contact        TEXT NOT NULL,
    public         INTEGER NOT NULL,
    message        TEXT,
    referral_code  TEXT NOT NULL UNIQUE,
    referred_by    TEXT,
    receipt_secret TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    -- Set when the backer cancels; a cancelled pledge stays for the record but no longer counts.
    cancelled_at   INTEGER
) WITHOUT ROWID;
CREATE INDEX pledges_by_campaign ON pledges (campaign_id, created_at);

-- A retried request with the same key gets the pledge it made the first time.
CREATE TABLE idempotency_keys (
    campaign_id  TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    pledge_id    TEXT NOT NULL REFERENCES pledges(id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, key)
);
