-- The people of a site: the addresses its creator's mails go to (space-separated), how
-- often they hear of new pledges (`each`, `hourly`, `daily`, `off`), the language they
-- read, and when they were last told of pledges (a digest tells of those made since).
ALTER TABLE sites ADD COLUMN emails TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN notify TEXT NOT NULL DEFAULT 'each';
ALTER TABLE sites ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
ALTER TABLE sites ADD COLUMN told_until BIGINT NOT NULL DEFAULT 0;
UPDATE sites SET told_until = CAST(strftime('%s', 'now') AS INTEGER);

-- What has been told once: a reminder about a pledge (`subject` its id), a moment of a
-- campaign to its creator (`subject` the campaign). The row is inserted in the
-- transaction that queues the mail telling it, so every replica's round tells it once.
CREATE TABLE mail_told (
    subject     TEXT NOT NULL,
    what        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (subject, what)
);
-- A failed card's pledges, for the reminders to replace it.
CREATE INDEX pledges_payment_failed ON pledges (payment_due_at) WHERE payment_status = 'failed';
-- "Was this address mailed this lately?" (a list of receipts, a sign-in link).
CREATE INDEX mails_by_recipient ON mails (recipient, kind, created_at);
-- A campaign's mails, by where they stand (its mail list, its dashboard page).
CREATE INDEX mails_by_campaign ON mails (campaign_id, status, created_at);
-- Whom an update was mailed to (`{"tiers":[…],"values":[…]}`); NULL for every backer.
ALTER TABLE updates ADD COLUMN audience TEXT;

-- Fans who asked to hear of a campaign before pledging: when it launches and 48 hours
-- before it ends. An address counts only once its owner opened the link mailed to it
-- (double opt-in); the link's token is kept only as its hash.
CREATE TABLE reminders (
    campaign_id   TEXT NOT NULL REFERENCES campaigns(id),
    address       TEXT NOT NULL,
    lang          TEXT NOT NULL,
    token_hash    TEXT,
    confirmed_at  BIGINT,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, address)
);
CREATE INDEX reminders_by_token ON reminders (token_hash);

-- Sites asked for through open sign-up while mail is on: created only when the link mailed
-- to the owner's address is opened (its token, minted as the mail is sent, kept as a hash).
CREATE TABLE signups (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT,
    site_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    origins     TEXT NOT NULL,
    email       TEXT NOT NULL,
    lang        TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX signups_by_token ON signups (token_hash);
