-- The PostgreSQL schema: the same tables as migrations/sqlite, with BIGINT counters and a
-- BOOLEAN flag. See there for what each table is for.
CREATE TABLE sites (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    origins     TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    definition  TEXT NOT NULL,
    raised      BIGINT NOT NULL DEFAULT 0 CHECK (raised >= 0),
    backers     BIGINT NOT NULL DEFAULT 0 CHECK (backers >= 0),
    seq         BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

CREATE TABLE tiers (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    id          TEXT NOT NULL,
    max_claims  BIGINT,
    claimed     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, id),
    CHECK (claimed >= 0 AND (max_claims IS NULL OR claimed <= max_claims))
);

CREATE TABLE option_values (
    campaign_id TEXT NOT NULL,
    tier_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    claimed     BIGINT NOT NULL DEFAULT 0 CHECK (claimed >= 0),
    PRIMARY KEY (campaign_id, tier_id, name, value),
    FOREIGN KEY (campaign_id, tier_id) REFERENCES tiers(campaign_id, id)
);

CREATE TABLE pledges (
    id             TEXT PRIMARY KEY,
    campaign_id    TEXT NOT NULL REFERENCES campaigns(id),
    tier_id        TEXT,
    quantity       BIGINT NOT NULL DEFAULT 1 CHECK (quantity > 0),
    amount         BIGINT NOT NULL CHECK (amount > 0),
    options        TEXT NOT NULL,
    name           TEXT NOT NULL,
    contact        TEXT NOT NULL,
    public         BOOLEAN NOT NULL,
    message        TEXT,
    referral_code  TEXT NOT NULL UNIQUE,
    referred_by    TEXT,
    receipt_secret TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    cancelled_at   BIGINT
);
CREATE INDEX pledges_by_campaign ON pledges (campaign_id, created_at);

CREATE TABLE idempotency_keys (
    campaign_id  TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    pledge_id    TEXT NOT NULL REFERENCES pledges(id),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, key)
);
