-- The language a fan pledged in: what the campaign's mails to them are written in.
ALTER TABLE pledges ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
-- Finding a fan's pledges by the address they gave ("find my pledges").
CREATE INDEX pledges_by_contact ON pledges (contact);

-- More links to a receipt, minted for the mails that carry one: like the pledge's own
-- receipt secret, each is kept only as its SHA-256, so a copy of the database opens none.
CREATE TABLE receipt_links (
    pledge_id   TEXT NOT NULL REFERENCES pledges(id),
    hash        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (pledge_id, hash)
);

-- The mail outbox. A mail is queued in the transaction of the change it tells of and sent
-- by every replica's round, which claims rows for a lease. `data` holds what the mail
-- needs besides the rows it tells of (the base of its links) and is emptied once the mail
-- is sent or given up. The id is the Message-ID's local part, the same on every try. A mail
-- of no one campaign (a fan's list of receipts) has no `campaign_id`.
CREATE TABLE mails (
    id            TEXT PRIMARY KEY,
    campaign_id   TEXT REFERENCES campaigns(id),
    pledge_id     TEXT,
    kind          TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    lang          TEXT NOT NULL,
    data          TEXT,
    -- `waiting`, `sent`, or `undeliverable` (given up: the server refused the address).
    status        TEXT NOT NULL DEFAULT 'waiting',
    attempts      BIGINT NOT NULL DEFAULT 0,
    next_at       BIGINT NOT NULL,
    locked_until  BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    sent_at       BIGINT,
    -- The hash of the one-click unsubscribe token an update mail carries (RFC 8058).
    unsubscribe_hash TEXT
);
CREATE INDEX mails_due ON mails (status, next_at);
CREATE INDEX mails_by_pledge ON mails (pledge_id);
CREATE INDEX mails_by_unsubscribe ON mails (unsubscribe_hash);

-- Addresses that asked for no more updates: of one campaign, or (`campaign_id` '') of
-- anything the site sends that is not about their own pledge.
CREATE TABLE mail_unsubscribed (
    site_id      TEXT NOT NULL REFERENCES sites(id),
    address      TEXT NOT NULL,
    campaign_id  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (site_id, address, campaign_id)
);

-- Addresses a site's mails are no longer sent to: the receiving server refused them for
-- good. A backer giving the address again in a new pledge lifts it.
CREATE TABLE mail_suppressed (
    site_id     TEXT NOT NULL REFERENCES sites(id),
    address     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (site_id, address)
);
